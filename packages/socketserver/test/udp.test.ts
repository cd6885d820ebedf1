// UDPServer with DatagramRequestHandler — test_socketserver's test_UDPServer and
// test_ThreadingUDPServer (one event loop serves both), re-expressed.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DatagramRequestHandler, UDPServer } from '../src/index.js';
import { serverTracker, signal } from './helpers.js';

const track = serverTracker();
const clients: Socket[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

class UpperDatagram extends DatagramRequestHandler {
  override async handle(): Promise<void> {
    for (let line; (line = await this.rfile.readline()).length > 0; ) {
      await this.wfile.write(line.toString('latin1').toUpperCase(), 'latin1');
    }
  }
}

/** Sends `data` from a fresh client socket and resolves with the first answer. */
async function ask(server: UDPServer, data: string | Buffer): Promise<Buffer> {
  const [host, port] = server.serverAddress as [string, number];
  const client = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  clients.push(client);
  const answer = once(client, 'message');
  client.send(data, port, host);
  return (await answer)[0] as Buffer;
}

async function serving(server: UDPServer): Promise<UDPServer> {
  track(server);
  await server.serverBind();
  void server.serveForever(10);
  return server;
}

describe('UDPServer echo (test_UDPServer, test_ThreadingUDPServer)', () => {
  it('answers each datagram with one datagram, three clients in turn', async () => {
    const server = await serving(new UDPServer(['127.0.0.1', 0], UpperDatagram));
    expect((server.serverAddress as [string, number])[1]).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      expect((await ask(server, `line ${i}\nsecond\n`)).toString()).toBe(`LINE ${i}\nSECOND\n`);
    }
  });

  it('the handler sees the client address and the packet; request is [data, socket]', async () => {
    const seen = signal<unknown[]>();
    class Probe extends DatagramRequestHandler<UDPServer> {
      override async handle(): Promise<void> {
        seen.resolve([this.clientAddress[0], this.packet.toString(), this.request[1] === this.server.socket]);
        await this.wfile.write('ok');
      }
    }
    const server = await serving(new UDPServer(['127.0.0.1', 0], Probe));
    expect((await ask(server, 'ping')).toString()).toBe('ok');
    expect(await seen.promise).toEqual(['127.0.0.1', 'ping', true]);
  });

  it('datagrams over maxPacketSize are cut to it, like recvfrom(max_packet_size)', async () => {
    class Size extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        await this.wfile.write(String((await this.rfile.read()).length));
      }
    }
    const server = await serving(new UDPServer(['127.0.0.1', 0], Size));
    expect((await ask(server, Buffer.alloc(10_000))).toString()).toBe('8192');
  });

  it('a throwing handler goes to handleError; the next datagram is served', async () => {
    const errors: unknown[] = [];
    class Picky extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        if (this.packet.toString() === 'bad') throw new Error('bad datagram');
        await this.wfile.write('good');
      }
    }
    class Logging extends UDPServer {
      override handleError(_request: unknown, _address: unknown, error: unknown): void {
        errors.push((error as Error).message);
      }
    }
    const server = await serving(new Logging(['127.0.0.1', 0], Picky));
    const [host, port] = server.serverAddress as [string, number];
    const client = createSocket('udp4');
    clients.push(client);
    const answer = once(client, 'message');
    client.send('bad', port, host);
    client.send('fine', port, host);
    expect(((await answer)[0] as Buffer).toString()).toBe('good');
    expect(errors).toEqual(['bad datagram']);
  });

  it('handleRequest() serves one datagram; handleTimeout() when none comes', async () => {
    let timeouts = 0;
    class Waiting extends UDPServer {
      override async handleTimeout(): Promise<void> {
        timeouts++;
      }
    }
    const server = track(new Waiting(['127.0.0.1', 0], UpperDatagram, { timeout: 20 }));
    await server.serverBind();
    const answer = ask(server, 'once\n');
    await server.handleRequest();
    expect((await answer).toString()).toBe('ONCE\n');
    await server.handleRequest();
    expect(timeouts).toBe(1);
  });

  it('shutdown lets an in-flight datagram be answered, then closes the socket', async () => {
    const started = signal();
    const gate = signal();
    class Slow extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        started.resolve();
        await gate.promise;
        await this.wfile.write('late answer');
      }
    }
    const server = track(new UDPServer(['127.0.0.1', 0], Slow));
    await server.serverBind();
    const loop = server.serveForever(10);
    const answer = ask(server, 'x');
    await started.promise;
    const stopped = server.shutdown();
    gate.resolve();
    await stopped;
    await loop;
    expect((await answer).toString()).toBe('late answer');
    expect(() => server.socket!.address()).toThrow(/not running/i); // the port is free again
    await server.serverClose();
  });

  it("binds '::' dual-stack when IPv6 is there", async (context) => {
    const server = track(new UDPServer(['::', 0], UpperDatagram));
    try {
      await server.serverBind();
    } catch (error) {
      console.warn(`skipping UDP IPv6: ${(error as Error).message}`);
      return context.skip();
    }
    void server.serveForever(10);
    const port = (server.serverAddress as [string, number])[1];
    for (const host of ['127.0.0.1', '::1']) {
      const client = createSocket(host === '::1' ? 'udp6' : 'udp4');
      clients.push(client);
      const answer = once(client, 'message');
      client.send('v\n', port, host);
      expect(((await answer)[0] as Buffer).toString()).toBe('V\n');
    }
  });
});
