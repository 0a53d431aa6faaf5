import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { createApi } from './api.js';
import { App } from './app.js';
import { site } from './site.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <App name={site.name} description={site.description} api={createApi()} />
  </StrictMode>,
);
