/**
 * Sends outbox entries while connected, at QoS 1, a bounded window at a time, and deletes each
 * on its PUBACK. On every (re)connection everything still on disk is sent again: events written
 * during an outage, and those whose PUBACK was lost with the connection (a duplicate at worst).
 *
 * The send queue is an array with a head index, filled from the outbox's index on connect and
 * appended to as entries are added: each publish and each PUBACK is O(1), so a drain of N
 * entries after an outage is O(N).
 */
import type { MqttConnection } from '../../sdk/internal.ts';
import type { Outbox } from './outbox.ts';

/** Unacknowledged publishes at once; bounds memory when thousands wait after an outage. */
const WINDOW = 64;
/** Drop the consumed front of the queue once it is this long (and over half the array). */
const COMPACT_AT = 4096;

export class EventPublisher {
  private readonly inFlight = new Set<string>();
  private connection: MqttConnection | undefined;
  private draining = false;
  private queue: string[] = [];
  private head = 0;
  delivered = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly topic: string,
    private readonly onError: (error: Error) => void,
  ) {
    outbox.onAdded((file) => this.queue.push(file));
  }

  /** A (re)connection: forget what was in flight on the old one, and send everything. */
  connected(connection: MqttConnection): void {
    this.connection = connection;
    this.inFlight.clear();
    this.queue = this.outbox.pendingFiles();
    this.head = 0;
    this.kick();
  }

  disconnected(): void {
    this.inFlight.clear();
  }

  /** Entries not yet handed to MQTT on this connection (for metrics). */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** New entries are on disk (or a PUBACK freed the window): send what the window allows. */
  kick(): void {
    if (this.draining) return;
    const connection = this.connection;
    if (!connection?.connected) return;
    this.draining = true;
    try {
      while (this.inFlight.size < WINDOW && this.head < this.queue.length) {
        const file = this.queue[this.head++]!;
        if (this.inFlight.has(file)) continue;
        const payload = this.outbox.read(file);
        if (payload === undefined) continue; // acknowledged meanwhile (a duplicate's PUBACK)
        this.inFlight.add(file);
        connection.publish(this.topic, payload, { qos: 1 }).then(
          () => {
            this.outbox.remove(file);
            this.inFlight.delete(file);
            this.delivered++;
            this.kick();
          },
          (error: Error) => {
            // Connection lost before PUBACK: the file stays; the next connect sends it again.
            this.inFlight.delete(file);
            if (/disconnect|closed|connection/i.test(error.message)) return;
            this.onError(error);
            if (this.connection?.connected) this.queue.push(file); // try it again after the others
          },
        );
      }
      if (this.head >= COMPACT_AT && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    } finally {
      this.draining = false;
    }
  }
}
