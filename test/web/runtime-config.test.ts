import { describe, expect, it } from 'vitest';
import { renderIndexHtml } from '../../emulators/local-stack/index-html.js';
import { configFromAttributes, resolveRuntimeConfig } from '../../web/src/config/runtime-config.js';

const firebase = {
  apiKey: 'key',
  projectId: 'demo-x',
  databaseURL: 'https://demo-x.firebaseio.com',
};
const complete = {
  livekitUrl: 'wss://livekit.example.com',
  controlApiBaseUrl: 'https://controller.example.com',
  firebase,
};

describe('the web app runtime configuration', () => {
  it('derives the token and recordings endpoints from controlApiBaseUrl', () => {
    const result = resolveRuntimeConfig(complete, {});
    expect(result).toMatchObject({
      ok: true,
      config: {
        tokenEndpoint: 'https://controller.example.com/token',
        recordingsEndpoint: 'https://controller.example.com/recordings',
        signInMethods: ['password', 'google'],
      },
    });
  });

  it('reads every seed attribute of <body>, the Firebase config as JSON', () => {
    const { raw, problems } = configFromAttributes({
      'data-livekit-url': 'wss://lk.example.com',
      'data-livekit-control': 'https://c.example.com',
      'data-livekit-control-key': 'not-a-secret',
      'data-livekit-token': 'https://c.example.com/t',
      'data-livekit-recordings': 'https://c.example.com/r',
      'data-firebase-config': JSON.stringify(firebase),
      'data-sign-in-methods': 'password,anonymous',
    });
    expect(problems).toEqual([]);
    expect(resolveRuntimeConfig(undefined, raw)).toEqual({
      ok: true,
      config: {
        livekitUrl: 'wss://lk.example.com',
        controlApiBaseUrl: 'https://c.example.com',
        controlApiKey: 'not-a-secret',
        tokenEndpoint: 'https://c.example.com/t',
        recordingsEndpoint: 'https://c.example.com/r',
        firebase,
        firebaseEmulators: {},
        signInMethods: ['password', 'anonymous'],
        recordingPresets: [],
      },
    });
  });

  it('lets a non-empty window setting win over its attribute, setting by setting', () => {
    const { raw } = configFromAttributes({
      'data-livekit-url': 'wss://from-attribute.example.com',
      'data-livekit-control': 'https://attribute.example.com',
      'data-firebase-config': JSON.stringify(firebase),
    });
    const result = resolveRuntimeConfig(
      { livekitUrl: 'wss://from-window.example.com', controlApiBaseUrl: '' },
      raw,
    );
    expect(result).toMatchObject({
      ok: true,
      config: {
        livekitUrl: 'wss://from-window.example.com',
        controlApiBaseUrl: 'https://attribute.example.com',
      },
    });
  });

  it('names every missing setting at once', () => {
    const result = resolveRuntimeConfig({ firebase: { apiKey: 'k' } }, {});
    expect(result).toEqual({
      ok: false,
      problems: [
        'livekitUrl (data-livekit-url) is missing',
        'tokenEndpoint (data-livekit-token) is missing, and no controlApiBaseUrl (data-livekit-control) to derive it from',
        'firebase.projectId is missing',
        'firebase.databaseURL is missing',
      ],
    });
  });

  it('offers no quality choice unless recordingPresets lists some, from either form', () => {
    const none = resolveRuntimeConfig(complete, {});
    expect(none.ok && none.config.recordingPresets).toEqual([]);
    const { raw } = configFromAttributes({
      'data-recording-presets': 'H264_720P_30, H264_1080P_30,H264_720P_30',
    });
    const listed = resolveRuntimeConfig(complete, raw);
    expect(listed.ok && listed.config.recordingPresets).toEqual(['H264_720P_30', 'H264_1080P_30']);
    const fromWindow = resolveRuntimeConfig(
      { ...complete, recordingPresets: ['H264_1080P_60'] },
      {},
    );
    expect(fromWindow.ok && fromWindow.config.recordingPresets).toEqual(['H264_1080P_60']);
  });

  it('names a recording preset LiveKit does not have', () => {
    const result = resolveRuntimeConfig({ ...complete, recordingPresets: 'H264_720P_30,4K' }, {});
    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringContaining('recordingPresets: "4K" is not one of H264_720P_30,'),
    ]);
  });

  it('names malformed settings: a bad URL, bad JSON, an unknown sign-in method', () => {
    const { raw, problems } = configFromAttributes({ 'data-firebase-config': '{not json' });
    expect(problems).toEqual(['data-firebase-config is not valid JSON']);
    const result = resolveRuntimeConfig(
      { ...complete, livekitUrl: 'ftp://x', signInMethods: ['password', 'facebook'] },
      raw,
    );
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([
      'livekitUrl must be a ws or wss or http or https URL',
      'signInMethods: "facebook" is not one of password, google, anonymous',
    ]);
  });
});

describe('index.html with its settings written in', () => {
  const template =
    '<html><head><title>x</title></head><body data-livekit-url=""><div id="app"></div></body></html>';

  it('fills the <body> attributes, escaped, arrays as lists and objects as JSON', () => {
    const html = renderIndexHtml(
      template,
      { ...complete, controlApiKey: 'a"b<c', signInMethods: ['password', 'google'] },
      'attributes',
    );
    expect(html).toContain('data-livekit-url="wss://livekit.example.com"');
    expect(html).toContain('data-livekit-control-key="a&quot;b&lt;c"');
    expect(html).toContain('data-sign-in-methods="password,google"');
    const encoded = /data-firebase-config="([^"]*)"/.exec(html)?.[1] ?? '';
    const decoded = encoded
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
    expect(JSON.parse(decoded)).toEqual(firebase);
  });

  it('puts a script that cannot be closed early ahead of the app', () => {
    const html = renderIndexHtml(template, { ...complete, controlApiKey: '</script>' }, 'window');
    expect(html).toContain('window.__CHATSPHERES_CONFIG__ = {');
    expect(html).not.toContain('"</script>"');
    expect(html.indexOf('__CHATSPHERES_CONFIG__')).toBeLessThan(html.indexOf('</head>'));
  });
});
