/**
 * Home Assistant MQTT discovery (homeassistant.io "MQTT Discovery"): per camera, a sensor with
 * the last person seen, one with the number of faces (live tracks) and one with the camera
 * state. Config messages are retained under <prefix>/sensor/<unique_id>/config; the agent
 * publishes the sensors' states itself, retained, on arcedge/<device>/cameras/<camera>/<name>.
 */
import type { DeviceTopics } from '../../sdk/index.ts';
import type { AgentConfig } from '../config/schema.ts';

/** arcedge/<device>/cameras/<camera>/last_person or .../faces (plain-text states for sensors). */
export function cameraStateTopic(topics: DeviceTopics, camera: string, name: 'last_person' | 'faces'): string {
  return topics.cameraState(camera, name);
}

export function homeAssistantDiscovery(config: AgentConfig, topics: DeviceTopics): { topic: string; payload: string }[] {
  const device = { identifiers: [`arcedge_${config.device.id}`], name: config.device.name ?? `arcedge ${config.device.id}`, manufacturer: 'arcedge' };
  return config.cameras.flatMap((camera) => {
    const base = `arcedge_${config.device.id}_${camera.id}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const statusTopic = topics.cameraStatus(camera.id);
    return [
      {
        topic: `${config.homeAssistant.prefix}/sensor/${base}_last_person/config`,
        payload: JSON.stringify({ name: `${camera.id} last person`, unique_id: `${base}_last_person`, state_topic: cameraStateTopic(topics, camera.id, 'last_person'), availability_topic: topics.status, availability_template: '{{ value_json.state }}', icon: 'mdi:face-recognition', device }),
      },
      {
        topic: `${config.homeAssistant.prefix}/sensor/${base}_faces/config`,
        payload: JSON.stringify({ name: `${camera.id} faces`, unique_id: `${base}_faces`, state_topic: cameraStateTopic(topics, camera.id, 'faces'), state_class: 'measurement', availability_topic: topics.status, availability_template: '{{ value_json.state }}', icon: 'mdi:account-multiple', device }),
      },
      {
        topic: `${config.homeAssistant.prefix}/sensor/${base}_state/config`,
        payload: JSON.stringify({ name: `${camera.id} camera`, unique_id: `${base}_state`, state_topic: statusTopic, value_template: '{{ value_json.state }}', availability_topic: topics.status, availability_template: '{{ value_json.state }}', device }),
      },
    ];
  });
}
