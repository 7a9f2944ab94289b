// Fetches SNS signing certificates for verifySnsSignature. SNS signs with a handful of
// certificates, so a small cache keyed by URL turns a network round trip per message into one
// per certificate, and concurrent first requests share a single fetch.

import { X509Certificate } from 'node:crypto';
import { type FetchCertificate, isSigningCertUrlAllowed } from './sns-signature.ts';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface CertificateFetcherOptions {
  fetch?: FetchLike;
  cacheSize?: number;
  timeoutMs?: number;
}

const DEFAULT_CACHE_SIZE = 16;
const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_CERTIFICATE_BYTES = 64 * 1024;

export function createCertificateFetcher(options: CertificateFetcherOptions = {}): FetchCertificate {
  const fetchImpl: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const download: FetchCertificate = async (url) => {
    // Checked here as well as in the verifier: this function must never become a way to make
    // the bot request arbitrary URLs.
    if (!isSigningCertUrlAllowed(url)) throw new Error('refusing to fetch a certificate outside SNS');
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    if (!response.ok) throw new Error(`certificate request answered HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_CERTIFICATE_BYTES) throw new Error('certificate response is too large');
    const pem = await response.text();
    if (pem.length > MAX_CERTIFICATE_BYTES) throw new Error('certificate response is too large');
    new X509Certificate(pem); // throws unless it is a certificate, so garbage is never cached
    return pem;
  };
  return cacheCertificates(download, { cacheSize: options.cacheSize ?? DEFAULT_CACHE_SIZE });
}

/** Least-recently-used cache of successful fetches; failures are forgotten so they are retried. */
export function cacheCertificates(
  fetchCertificate: FetchCertificate,
  options: { cacheSize?: number } = {},
): FetchCertificate {
  const capacity = Math.max(1, Math.floor(options.cacheSize ?? DEFAULT_CACHE_SIZE));
  const cache = new Map<string, Promise<string>>();
  return (url) => {
    const cached = cache.get(url);
    if (cached) {
      cache.delete(url);
      cache.set(url, cached);
      return cached;
    }
    const pending = Promise.resolve().then(() => fetchCertificate(url));
    cache.set(url, pending);
    pending.catch(() => {
      if (cache.get(url) === pending) cache.delete(url);
    });
    while (cache.size > capacity) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
    return pending;
  };
}
