/** The agent's version, in its retained status, the web UI and the offline status. */
export const AGENT_VERSION = '0.1.0';
