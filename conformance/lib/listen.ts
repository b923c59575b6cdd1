/** Listening and closing the simulators' HTTP servers (DFSP, bank, oracle): one way for all of them. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `host` (default 127.0.0.1) and `port` (default: any free one); returns the base URL others call. */
export async function listenOn(
  server: Server,
  o: { host?: string; port?: number; advertisedHost?: string; https?: boolean; pathPrefix?: string },
): Promise<string> {
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const adv = o.advertisedHost ?? host;
  return `${o.https ? 'https' : 'http'}://${adv.includes(':') ? `[${adv}]` : adv}:${port}${o.pathPrefix ?? ''}`;
}

/** Stops accepting and drops open keep-alive connections, so a stop never waits for idle clients. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
