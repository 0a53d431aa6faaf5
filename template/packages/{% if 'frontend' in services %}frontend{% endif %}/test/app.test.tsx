import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { App } from '../src/app.js';

describe('App', () => {
  afterEach(cleanup);

  it('shows the platform name as the main heading', () => {
    render(<App name="Acme Hub" description="Agents at work." />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Acme Hub');
  });

  it('shows the description', () => {
    render(<App name="Acme Hub" description="Agents at work." />);
    expect(screen.getByText('Agents at work.')).toBeDefined();
  });
});
