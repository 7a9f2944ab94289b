// Optional rate limiting, so the bot's handling of Slack's HTTP 429 + Retry-After can be exercised.
// Slack limits per method (tiers) and chat.postMessage per channel ("one message per second per
// channel"); https://docs.slack.dev/apis/web-api/rate-limits

export interface RateLimitRule {
  /** Web API method name, or `*` for every method. */
  method: string;
  /** Calls allowed within `windowMs` before 429s start. */
  limit: number;
  windowMs: number;
  /** Count separately per `channel` argument (Slack's chat.postMessage rule). */
  perChannel?: boolean;
  /** Retry-After to announce; defaults to the seconds until the window frees a slot (at least 1). */
  retryAfterSeconds?: number;
}

export interface RateLimitOptions {
  rules: RateLimitRule[];
}

export class RateLimiter {
  private readonly rules: RateLimitRule[];
  private readonly hits = new Map<string, number[]>();
  private readonly forced = new Map<string, number[]>();

  constructor(opts: RateLimitOptions | undefined) {
    this.rules = opts?.rules ?? [];
  }

  /** The next `times` calls to `method` answer 429 with this Retry-After, whatever the rules say. */
  forceNext(method: string, retryAfterSeconds: number, times = 1): void {
    const queue = this.forced.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(retryAfterSeconds);
    this.forced.set(method, queue);
  }

  /** Seconds to wait when this call is refused; undefined when it may proceed (and is counted). */
  check(method: string, channel: string | undefined, nowMs: number): number | undefined {
    const forced = this.forced.get(method)?.shift() ?? this.forced.get('*')?.shift();
    if (forced !== undefined) return forced;
    for (const rule of this.rules) {
      if (rule.method !== method && rule.method !== '*') continue;
      const key = `${rule.method}|${method}|${rule.perChannel ? (channel ?? '') : ''}`;
      const recent = (this.hits.get(key) ?? []).filter((t) => nowMs - t < rule.windowMs);
      if (recent.length >= rule.limit) {
        this.hits.set(key, recent);
        const oldest = recent[0] ?? nowMs;
        return rule.retryAfterSeconds ?? Math.max(1, Math.ceil((oldest + rule.windowMs - nowMs) / 1000));
      }
      recent.push(nowMs);
      this.hits.set(key, recent);
    }
    return undefined;
  }
}
