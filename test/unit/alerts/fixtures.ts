import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../fixtures/alerts/', import.meta.url));

/** A fresh copy each call, so a test can mutate it freely. */
export function loadFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as Record<string, unknown>;
}

export function fixturePath(name: string): string {
  return `${FIXTURES}${name}`;
}
