import '@livekit/components-styles';
import './styles.css';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { ConfigErrors } from './config/config-errors.js';
import { readPageConfig } from './config/page-config.js';

const container = document.getElementById('app');
if (container === null) throw new Error('index.html lacks <div id="app">');
const root = createRoot(container);
const config = readPageConfig();
root.render(
  config.ok ? <App config={config.config} /> : <ConfigErrors problems={config.problems} />,
);
