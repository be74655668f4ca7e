import {
  configFromAttributes,
  type RawRuntimeConfig,
  resolveRuntimeConfig,
} from './runtime-config.js';

declare global {
  interface Window {
    __CHATSPHERES_CONFIG__?: RawRuntimeConfig;
  }
}

/** Reads this page's settings: `window.__CHATSPHERES_CONFIG__` over `<body data-*>`. */
export function readPageConfig() {
  const attributes: Record<string, string> = {};
  for (const attribute of Array.from(document.body.attributes)) {
    attributes[attribute.name] = attribute.value;
  }
  const fromAttributes = configFromAttributes(attributes);
  const resolved = resolveRuntimeConfig(window.__CHATSPHERES_CONFIG__, fromAttributes.raw);
  if (fromAttributes.problems.length === 0) return resolved;
  const problems = [...fromAttributes.problems, ...(resolved.ok ? [] : resolved.problems)];
  return { ok: false as const, problems };
}
