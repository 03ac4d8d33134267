import { describe, expect, it } from 'vitest';
import { apiBaseUrl } from '../../src/publish/api-base-url.ts';

const DEFAULT = 'https://api.example.com';

describe('apiBaseUrl', () => {
  it('is the default without a baseUrl, and the baseUrl without its trailing slash otherwise', () => {
    expect(apiBaseUrl('t', undefined, DEFAULT)).toBe(DEFAULT);
    expect(apiBaseUrl('t', 'https://proxy.example.org/x/', DEFAULT)).toBe('https://proxy.example.org/x');
    expect(apiBaseUrl('t', 'http://127.0.0.1:8080/', DEFAULT)).toBe('http://127.0.0.1:8080');
  });

  it('refuses what is no URL, and http on a public host', () => {
    expect(() => apiBaseUrl('t', 'not a url', DEFAULT)).toThrow(
      `target t: "baseUrl" is no URL (leave it out for ${DEFAULT})`,
    );
    expect(() => apiBaseUrl('t', 'http://proxy.example.org', DEFAULT)).toThrow(
      `target t: "baseUrl" must be https (the tokens travel with every request); leave it out for ${DEFAULT}`,
    );
  });
});
