/**
 * A maximum MQTT packet size enforced on the wire, before anything is buffered. aedes' parser
 * (mqtt-packet) has no limit: it collects a whole PUBLISH in memory before anyone can look at
 * it, so a 100 MB publish cost the agent hundreds of MB of RSS. This sits between the socket
 * and aedes, reads only each packet's fixed header (type byte, then the "remaining length"
 * varint of MQTT 3.1.1 section 2.2.3) and closes the connection as soon as a header announces
 * more than the limit; the payload bytes are never read.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** Tracks packet boundaries across chunks; returns the oversized length, or undefined while all is well. */
export class PacketSizeTracker {
  /** Bytes of the current packet's body still to skip. */
  private skip = 0;
  /** Header bytes seen of the current packet (type byte + varint). */
  private header: number[] = [];

  constructor(private readonly maxRemaining: number) {}

  feed(chunk: Buffer): number | 'malformed' | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.header.push(chunk[i++]!);
      if (this.header.length === 1) continue;
      const byte = this.header[this.header.length - 1]!;
      if (byte & 0x80) {
        if (this.header.length > 4) return 'malformed'; // at most 4 length bytes
        continue;
      }
      let length = 0;
      for (let k = this.header.length - 1; k >= 1; k--) length = length * 128 + (this.header[k]! & 0x7f);
      this.header = [];
      if (length > this.maxRemaining) return length;
      this.skip = length;
    }
    return undefined;
  }
}

/**
 * Wraps `socket` for aedes: bytes pass through unchanged until a packet header announces more
 * than `maxRemaining`; then `refuse` is called and the socket destroyed.
 */
export function guardSocket(socket: Socket, maxRemaining: number, refuse: (announced: number | 'malformed') => void): Duplex {
  const tracker = new PacketSizeTracker(maxRemaining);
  const stream: Duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed) return callback();
      socket.write(chunk, (error) => callback(error ?? null));
    },
    final(callback) {
      socket.end(() => callback());
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    const bad = tracker.feed(chunk);
    if (bad !== undefined) {
      refuse(bad);
      socket.destroy();
      stream.destroy();
      return;
    }
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.on('error', (error) => stream.destroy(error));
  return stream;
}
