import { useState, type SubmitEvent } from 'react';

import type { Api } from '../api.js';
import { ErrorMessage } from './error-message.js';
import { field } from './form-field.js';

export interface AuthFormProps {
  api: Api;
  onSignedIn: () => void;
}

/** Sign in, or create an account and sign in with it. */
export function AuthForm({ api, onSignedIn }: AuthFormProps) {
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = field(form, 'email');
    const password = field(form, 'password');
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'sign-up') await api.register(email, password);
      await api.signIn(email, password);
      onSignedIn();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const title = mode === 'sign-in' ? 'Sign in' : 'Create an account';
  return (
    <form aria-label={title} onSubmit={(event) => void submit(event)}>
      <h2>{title}</h2>
      <label>
        Email
        {/* Not type="email": browsers refuse non-ASCII letters before the @, which the API takes. */}
        <input
          name="email"
          type="text"
          inputMode="email"
          autoComplete="email"
          autoCapitalize="none"
          spellCheck={false}
          required
        />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
          minLength={mode === 'sign-up' ? 12 : undefined}
          required
        />
      </label>
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>
        {title}
      </button>
      <button
        type="button"
        onClick={() => {
          setMode(mode === 'sign-in' ? 'sign-up' : 'sign-in');
          setError(undefined);
        }}
      >
        {mode === 'sign-in' ? 'New here? Create an account' : 'Have an account? Sign in'}
      </button>
    </form>
  );
}
