import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { Workspaces } from '../src/components/workspaces.js';
import { fakeApi, rejected } from './fake-api.js';

describe('Workspaces', () => {
  afterEach(cleanup);

  it('creates a workspace and shows it in the list', async () => {
    render(<Workspaces api={fakeApi()} onSignedOut={vi.fn()} />);
    expect(await screen.findByText('No workspace yet.')).toBeDefined();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Research' } });
    fireEvent.submit(screen.getByRole('form', { name: 'New workspace' }));
    const list = await screen.findByRole('list', { name: 'Workspace list' });
    expect(within(list).getByText('Research')).toBeDefined();
  });

  it('shows an error when the list cannot be loaded', async () => {
    render(
      <Workspaces
        api={fakeApi({ listWorkspaces: rejected(503, 'Service Unavailable') })}
        onSignedOut={vi.fn()}
      />,
    );
    expect((await screen.findByRole('alert')).textContent).toContain('Service Unavailable');
  });

  it('signs out', async () => {
    const api = fakeApi();
    const onSignedOut = vi.fn();
    render(<Workspaces api={api} onSignedOut={onSignedOut} />);
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await vi.waitFor(() => {
      expect(onSignedOut).toHaveBeenCalled();
    });
    expect(api.signOut).toHaveBeenCalled();
  });
});
