/**
 * `arcedge devices`: every device that has a retained status on the broker, with its state,
 * model and version, gallery size, agent version and last deploy. Retained messages arrive right
 * after the subscription; the command waits until they stop (at most --wait seconds).
 */
import { defineCommand, EXIT, formatTable, parseNumber } from '../cli/command.ts';
import { BROKER_OPTIONS, brokerOptions } from '../deploy/cli-options.ts';
import { FleetClient } from '../deploy/fleet-client.ts';

interface Row {
  device: string;
  state: string;
  model?: { package?: string; version?: number; modelId?: string; embeddingSize?: number; backend?: string };
  gallery?: { identities?: number; templates?: number; generation?: number };
  agentVersion?: string;
  deploy?: { state?: string; package?: string; version?: number; reason?: { code?: string }; ts?: string };
  cameras?: string[];
  ts?: string;
}

export const devicesCommand = defineCommand({
  name: 'devices',
  summary: 'list every device from the retained status topics: state, model and version, gallery size, agent version, last deploy',
  options: {
    ...BROKER_OPTIONS,
    wait: { type: 'string', valueName: 'sec', description: 'longest wait for retained statuses', default: '3' },
  },
  positionals: { max: 0 },
  run: async ({ values, json }) => {
    const waitMs = Math.max(0.2, parseNumber('wait', values.wait)!) * 1000;
    const client = await FleetClient.connect(brokerOptions(values));
    try {
      await client.settle(400, waitMs);
      const rows: Row[] = [...client.statuses.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([device, s]) => ({
          device,
          state: s.state,
          ...(s.model ? { model: s.model as Row['model'] } : {}),
          ...(s.gallery ? { gallery: s.gallery as Row['gallery'] } : {}),
          ...(s.version ? { agentVersion: s.version } : {}),
          ...(s.deploy ? { deploy: s.deploy as Row['deploy'] } : {}),
          ...(s.cameras ? { cameras: s.cameras } : {}),
          ...(s.ts ? { ts: s.ts } : {}),
        }));
      if (json) {
        console.log(JSON.stringify({ devices: rows }));
        return EXIT.OK;
      }
      if (rows.length === 0) {
        console.log(`no device has a retained status on ${brokerOptions(values).url}`);
        return EXIT.OK;
      }
      const deployText = (d: Row['deploy']) => (d ? `${d.state ?? '?'}${d.package ? ` ${d.package} v${d.version ?? '?'}` : ''}${d.reason?.code ? ` [${d.reason.code}]` : ''}${d.ts ? ` ${d.ts}` : ''}` : '');
      console.log(
        formatTable(
          ['device', 'state', 'model', 'version', 'gallery', 'agent', 'last deploy'],
          rows.map((r) => [
            r.device,
            r.state,
            r.model ? (r.model.package ?? r.model.modelId ?? '?') : '',
            r.model?.version !== undefined ? String(r.model.version) : '',
            r.gallery ? `${r.gallery.identities ?? '?'} ids / ${r.gallery.templates ?? '?'} tpl` : '',
            r.agentVersion ?? '',
            deployText(r.deploy),
          ]),
        ),
      );
      return EXIT.OK;
    } finally {
      await client.end();
    }
  },
});
