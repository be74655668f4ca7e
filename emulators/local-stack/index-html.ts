import { BODY_ATTRIBUTES, type RawRuntimeConfig } from '../../web/src/config/runtime-config.js';

/** The two ways a page can carry the SPA's settings (README "Web app"). */
export type ConfigForm = 'window' | 'attributes';

const escapeAttribute = (value: string) =>
  value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');

// `</script>` or `<!--` inside a string would end or confuse the inline script.
const scriptSafeJson = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');

/**
 * The built index.html with the settings filled in, as a hosting setup would do it server-side:
 * either a `window.__CHATSPHERES_CONFIG__` script ahead of the app, or the `<body data-*>`
 * placeholders filled in.
 */
export function renderIndexHtml(
  template: string,
  config: RawRuntimeConfig,
  form: ConfigForm,
): string {
  if (form === 'window') {
    const script = `<script>window.__CHATSPHERES_CONFIG__ = ${scriptSafeJson(config)};</script>`;
    return template.replace('</head>', `    ${script}\n  </head>`);
  }
  const attributes = Object.entries(BODY_ATTRIBUTES)
    .map(([setting, attribute]) => {
      const value = config[setting as keyof RawRuntimeConfig];
      if (value === undefined) return undefined;
      const text =
        typeof value === 'string'
          ? value
          : Array.isArray(value)
            ? value.join(',')
            : JSON.stringify(value);
      return `${attribute}="${escapeAttribute(text)}"`;
    })
    .filter((attribute) => attribute !== undefined);
  return template.replace(/<body\b[^>]*>/, `<body ${attributes.join(' ')}>`);
}
