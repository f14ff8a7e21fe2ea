/** A TCP proxy on 127.0.0.1 that can be switched off: the platform "unreachable", then back. */
import { createServer, connect, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

export async function startToggleProxy(targetPort: number) {
  let up = true;
  const sockets = new Set<Socket>();
  let refused = 0;
  const server = createServer((client) => {
    if (!up) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const close = () =>
    new Promise<void>((resolve) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => resolve());
    });
  onTestFinished(close);
  return {
    port,
    get refused() {
      return refused;
    },
    down(): void {
      up = false;
      sockets.forEach((s) => s.destroy());
    },
    up(): void {
      up = true;
    },
    close,
  };
}
