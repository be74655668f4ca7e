import { isSeq, parseDocument } from 'yaml';
import type { Config } from '../controller/config/load-config.js';

/**
 * Renders livekit/livekit.yaml and livekit/egress.yaml from the controller's own Config, so
 * the key pair, the webhook key, Redis and the URLs are written once (docs/deployment.md,
 * "4. Configure").
 */

/** Every service runs on the host network; compose maps `redis` to 127.0.0.1. */
export const REDIS_ADDRESS = 'redis:6379';

/** Where LiveKit (on the same host network) posts its webhooks. */
export const controllerWebhookUrl = (config: Config) =>
  `http://controller:${config.control.port}/webhooks/livekit`;

/** Egress and its Chrome dial LiveKit's signalling over WebSocket. */
export const egressWsUrl = (config: Config) => config.livekit.egressUrl.replace(/^http/, 'ws');

export class TemplateError extends Error {
  readonly code = 'template_invalid';
}

function render(template: string, name: string, fill: (doc: Document) => void): string {
  const doc = parseDocument(template);
  if (doc.errors.length > 0) {
    throw new TemplateError(`${name} is not valid YAML: ${doc.errors[0]?.message}`);
  }
  fill(doc);
  const text = doc.toString();
  if (text.includes('_PLACEHOLDER')) {
    throw new TemplateError(`${name} still has a placeholder after rendering`);
  }
  return text;
}

type Document = ReturnType<typeof parseDocument>;

export function renderLivekitYaml(template: string, config: Config): string {
  return render(template, 'livekit.yaml', (doc) => {
    const keys: Record<string, string> = { [config.livekit.apiKey]: config.livekit.apiSecret };
    keys[config.livekit.webhookApiKey] = config.livekit.webhookApiSecret;
    doc.setIn(['keys'], doc.createNode(keys));
    doc.setIn(['redis', 'address'], REDIS_ADDRESS);
    doc.setIn(['webhook', 'api_key'], config.livekit.webhookApiKey);
    // Further URLs written in the template (other controllers, when scaling out) are kept.
    const listed = doc.getIn(['webhook', 'urls']);
    const others = isSeq(listed)
      ? listed.items.map(String).filter((url) => !url.includes('_PLACEHOLDER'))
      : [];
    const urls = [
      controllerWebhookUrl(config),
      ...others.filter((url) => url !== controllerWebhookUrl(config)),
    ];
    doc.setIn(['webhook', 'urls'], doc.createNode(urls));
  });
}

export function renderEgressYaml(template: string, config: Config): string {
  return render(template, 'egress.yaml', (doc) => {
    doc.setIn(['api_key'], config.livekit.apiKey);
    doc.setIn(['api_secret'], config.livekit.apiSecret);
    doc.setIn(['ws_url'], egressWsUrl(config));
    doc.setIn(['redis', 'address'], REDIS_ADDRESS);
  });
}
