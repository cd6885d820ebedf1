/** The child side of `startServer()`: report the port, answer the harness's questions. */

/**
 * Tells the harness that this process listens on `port`, and answers its questions:
 * `'memory'` (memory usage after a GC when `--expose-gc` is on) and anything else through
 * `onMessage`. SIGTERM ends the process.
 */
export function serveChild(port: number, onMessage?: (message: unknown) => unknown | Promise<unknown>): void {
  process.on('message', async (message: any) => {
    if (message?.type !== 'ask') return;
    let value: unknown;
    if (message.message === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) for (let i = 0; i < 3; i++) gc();
      value = process.memoryUsage();
    } else {
      value = await onMessage?.(message.message);
    }
    process.send!({ type: 'reply', id: message.id, value });
  });
  process.on('SIGTERM', () => process.exit(0));
  process.send!({ type: 'listening', port });
}
