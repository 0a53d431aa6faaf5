import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { App } from '../src/app.js';
import { fakeApi } from './fake-api.js';

describe('App', () => {
  afterEach(cleanup);

  it('shows the platform name as the main heading and the description', () => {
    render(<App name="Acme Hub" description="Agents at work." api={fakeApi()} />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Acme Hub');
    expect(screen.getByText('Agents at work.')).toBeDefined();
  });

  it('asks a visitor to sign in', () => {
    render(<App name="Acme Hub" description="" api={fakeApi()} />);
    expect(screen.getByRole('form', { name: 'Sign in' })).toBeDefined();
  });

  it('shows the workspaces when a session can be resumed', async () => {
    render(<App name="Acme Hub" description="" api={fakeApi({ hasSession: () => true })} />);
    expect(await screen.findByText('No workspace yet.')).toBeDefined();
  });
});
