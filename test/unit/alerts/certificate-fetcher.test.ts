import { beforeAll, describe, expect, it } from 'vitest';
import { cacheCertificates, createCertificateFetcher, type FetchLike } from '../../../src/alerts/index.ts';
import { createSnsSigner } from '../../helpers/sns-signer.ts';

const URL_A = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem';
const URL_B = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-b.pem';
const URL_C = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-c.pem';

let pem: string;

beforeAll(async () => {
  pem = (await createSnsSigner()).certPem;
});

interface FakeFetch {
  fetch: FetchLike;
  calls: { url: string; init: RequestInit | undefined }[];
}

function fakeFetch(respond: (url: string, init?: RequestInit) => Promise<Response> | Response): FakeFetch {
  const calls: FakeFetch['calls'] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return respond(url, init);
    },
  };
}

describe('createCertificateFetcher', () => {
  it('fetches a URL once, sharing concurrent first requests, with a timeout and no redirects', async () => {
    const fake = fakeFetch(() => new Response(pem));
    const fetchCertificate = createCertificateFetcher({ fetch: fake.fetch });
    const results = await Promise.all([
      fetchCertificate(URL_A),
      fetchCertificate(URL_A),
      fetchCertificate(URL_A),
    ]);
    expect(results).toEqual([pem, pem, pem]);
    expect(await fetchCertificate(URL_A)).toBe(pem);
    expect(await fetchCertificate(URL_B)).toBe(pem);
    expect(fake.calls.map((c) => c.url)).toEqual([URL_A, URL_B]);
    expect(fake.calls[0]?.init?.redirect).toBe('error');
    expect(fake.calls[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('keeps at most cacheSize certificates, evicting the least recently used', async () => {
    const fake = fakeFetch(() => new Response(pem));
    const fetchCertificate = createCertificateFetcher({ fetch: fake.fetch, cacheSize: 2 });
    await fetchCertificate(URL_A);
    await fetchCertificate(URL_B);
    await fetchCertificate(URL_A); // A is now the most recently used
    await fetchCertificate(URL_C); // evicts B
    await fetchCertificate(URL_A);
    await fetchCertificate(URL_B);
    expect(fake.calls.map((c) => c.url)).toEqual([URL_A, URL_B, URL_C, URL_B]);
  });

  it('does not cache failures: the next call tries again', async () => {
    let attempt = 0;
    const fake = fakeFetch(() => {
      attempt += 1;
      return attempt === 1 ? new Response('busy', { status: 503 }) : new Response(pem);
    });
    const fetchCertificate = createCertificateFetcher({ fetch: fake.fetch });
    await expect(fetchCertificate(URL_A)).rejects.toThrow('HTTP 503');
    await expect(fetchCertificate(URL_A)).resolves.toBe(pem);
    expect(fake.calls).toHaveLength(2);
  });

  it('refuses URLs outside SNS without requesting them', async () => {
    const fake = fakeFetch(() => new Response(pem));
    const fetchCertificate = createCertificateFetcher({ fetch: fake.fetch });
    await expect(fetchCertificate('https://sns.evil.com/x.pem')).rejects.toThrow(/outside SNS/);
    await expect(fetchCertificate('http://sns.us-east-1.amazonaws.com/x.pem')).rejects.toThrow(/outside SNS/);
    expect(fake.calls).toEqual([]);
  });

  it('refuses a body that is not a certificate, or is too large', async () => {
    const notCert = createCertificateFetcher({
      fetch: fakeFetch(() => new Response('<html>hi</html>')).fetch,
    });
    await expect(notCert(URL_A)).rejects.toThrow();
    const huge = createCertificateFetcher({ fetch: fakeFetch(() => new Response('x'.repeat(70_000))).fetch });
    await expect(huge(URL_A)).rejects.toThrow(/too large/);
  });

  it('gives up after timeoutMs', async () => {
    const fake = fakeFetch(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    const fetchCertificate = createCertificateFetcher({ fetch: fake.fetch, timeoutMs: 50 });
    const started = Date.now();
    await expect(fetchCertificate(URL_A)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('cacheCertificates', () => {
  it('wraps any fetcher, including one that throws synchronously', async () => {
    let calls = 0;
    const fetchCertificate = cacheCertificates((() => {
      calls += 1;
      throw new Error('boom');
    }) as unknown as (url: string) => Promise<string>);
    await expect(fetchCertificate(URL_A)).rejects.toThrow('boom');
    await expect(fetchCertificate(URL_A)).rejects.toThrow('boom');
    expect(calls).toBe(2);
  });
});
