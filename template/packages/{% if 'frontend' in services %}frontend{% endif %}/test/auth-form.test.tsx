import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { AuthForm } from '../src/components/auth-form.js';
import { fakeApi, rejected } from './fake-api.js';

const fill = (email: string, password: string) => {
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
};

describe('AuthForm', () => {
  afterEach(cleanup);

  it('signs in and reports it', async () => {
    const api = fakeApi();
    const onSignedIn = vi.fn();
    render(<AuthForm api={api} onSignedIn={onSignedIn} />);
    fill('ada@acme.dev', 'a long passphrase');
    fireEvent.submit(screen.getByRole('form', { name: 'Sign in' }));
    await waitFor(() => {
      expect(onSignedIn).toHaveBeenCalled();
    });
    expect(api.signIn).toHaveBeenCalledWith('ada@acme.dev', 'a long passphrase');
    expect(api.register).not.toHaveBeenCalled();
  });

  it('creates the account first when signing up', async () => {
    const api = fakeApi();
    render(<AuthForm api={api} onSignedIn={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: 'New here? Create an account' }));
    fill('ada@acme.dev', 'a long passphrase');
    fireEvent.submit(screen.getByRole('form', { name: 'Create an account' }));
    await waitFor(() => {
      expect(api.signIn).toHaveBeenCalled();
    });
    expect(api.register).toHaveBeenCalledWith('ada@acme.dev', 'a long passphrase');
  });

  it('shows why signing in failed and stays on the form', async () => {
    const onSignedIn = vi.fn();
    render(
      <AuthForm
        api={fakeApi({ signIn: rejected(401, 'Invalid email or password') })}
        onSignedIn={onSignedIn}
      />,
    );
    fill('ada@acme.dev', 'wrong');
    fireEvent.submit(screen.getByRole('form', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Invalid email or password');
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it('lists the fields the service refused', async () => {
    const register = rejected(400, 'body/password must NOT have fewer than 12 characters', [
      { field: 'password', message: 'must NOT have fewer than 12 characters' },
    ]);
    render(<AuthForm api={fakeApi({ register })} onSignedIn={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: 'New here? Create an account' }));
    fill('ada@acme.dev', 'short');
    fireEvent.submit(screen.getByRole('form', { name: 'Create an account' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'password: must NOT have fewer than 12',
    );
  });
});
