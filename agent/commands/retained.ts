/**
 * Retained messages on command topics are never executed. A broker hands its retained copy of
 * `arcedge/<device>/cmd/<name>` to every new subscription, so one retained `forget` or `enroll`
 * would run again after each restart or reconnect. The agent logs it, asks the broker to clear
 * it (an empty retained publish; the embedded broker already stores commands as not retained,
 * and a mosquitto ACL may refuse the clear, which is logged too) and answers nothing: a replay
 * has no live requester waiting for a reply.
 */
import type { LogLevel } from '../log.ts';

export interface RetainedClearer {
  publish(topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
}

/** True when the message must not be handled as a command (retained, or the empty clear itself). */
export async function dropRetainedCommand(
  topic: string,
  payload: Uint8Array,
  retained: boolean,
  connection: RetainedClearer | undefined,
  log: (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void,
): Promise<boolean> {
  if (payload.byteLength === 0) {
    log('info', 'empty command payload ignored (a retained command being cleared)', { topic });
    return true;
  }
  if (!retained) return false;
  log('warn', 'retained command ignored: commands run only when published live', { topic, bytes: payload.byteLength });
  try {
    await connection?.publish(topic, '', { qos: 1, retain: true });
  } catch (error) {
    log('warn', 'retained command could not be cleared on the broker', { topic, error: (error as Error).message });
  }
  return true;
}
