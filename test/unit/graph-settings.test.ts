import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GRAPH_API_VERSION,
  graphApiVersion,
  graphBaseUrl,
} from '../../src/publish/graph/graph-settings.ts';

describe('graphBaseUrl', () => {
  it('defaults to graph.facebook.com with the version appended', () => {
    expect(graphBaseUrl(undefined, 'v23.0')).toEqual({ ok: true, value: 'https://graph.facebook.com/v23.0' });
    expect(graphBaseUrl('  ', DEFAULT_GRAPH_API_VERSION)).toEqual({
      ok: true,
      value: `https://graph.facebook.com/${DEFAULT_GRAPH_API_VERSION}`,
    });
  });

  it('takes a loopback fake over http and a proxy path, without trailing slash', () => {
    expect(graphBaseUrl('http://127.0.0.1:4000/', 'v23.0')).toEqual({
      ok: true,
      value: 'http://127.0.0.1:4000/v23.0',
    });
    expect(graphBaseUrl('https://proxy.comune.it/graph/', 'v23.0')).toEqual({
      ok: true,
      value: 'https://proxy.comune.it/graph/v23.0',
    });
  });

  it('refuses plain http elsewhere, credentials, queries and what is no URL', () => {
    expect(graphBaseUrl('http://graph.facebook.com', 'v23.0')).toMatchObject({
      ok: false,
      error: expect.stringContaining('https'),
    });
    expect(graphBaseUrl('https://u:p@graph.facebook.com', 'v23.0').ok).toBe(false);
    expect(graphBaseUrl('https://graph.facebook.com?access_token=x', 'v23.0').ok).toBe(false);
    expect(graphBaseUrl('graph.facebook.com', 'v23.0').ok).toBe(false);
  });
});

describe('graphApiVersion', () => {
  it('takes versions as Meta writes them in paths, and nothing else', () => {
    for (const version of ['v23.0', 'v25.0', 'v9.0'])
      expect(graphApiVersion.safeParse(version).success, version).toBe(true);
    for (const version of ['23.0', 'v23', 'V23.0', 'v23.0/', ''])
      expect(graphApiVersion.safeParse(version).success, version).toBe(false);
  });
});
