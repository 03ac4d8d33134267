import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/web/http-server.ts';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('listen', () => {
  it('answers the port it took, a free one for 0', async () => {
    const server = createServer();
    servers.push(server);
    expect(await listen(server, 0)).toBeGreaterThan(0);
  });

  it('names a port already in use and says to change PORT, rather than an errno', async () => {
    const first = createServer();
    servers.push(first);
    const port = await listen(first, 0);
    const second = createServer();
    servers.push(second);
    await expect(listen(second, port)).rejects.toMatchObject({
      name: 'AppError',
      code: 'config_invalid',
      message: `port ${port} is already in use (another Araldo, or another program, listens there): set PORT to a free port`,
    });
  });
});
