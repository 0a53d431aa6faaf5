import { useEffect, useState, type SubmitEvent } from 'react';

import type { Api, Workspace } from '../api.js';
import { ErrorMessage } from './error-message.js';
import { field } from './form-field.js';

export interface WorkspacesProps {
  api: Api;
  onSignedOut: () => void;
}

/** The signed-in user's workspaces: the list, and a form to create one. */
export function Workspaces({ api, onSignedOut }: WorkspacesProps) {
  const [items, setItems] = useState<Workspace[]>();
  const [error, setError] = useState<unknown>();
  // Bumped after each change, to load the list again.
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let current = true;
    api.listWorkspaces().then(
      (page) => {
        if (current) setItems(page.items);
      },
      (caught: unknown) => {
        if (current) setError(caught);
      },
    );
    return () => {
      current = false;
    };
  }, [api, version]);

  const create = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setError(undefined);
    try {
      await api.createWorkspace(field(data, 'name'), field(data, 'description'));
      form.reset();
      setVersion(version + 1);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section aria-label="Workspaces">
      <h2>Your workspaces</h2>
      {items === undefined ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No workspace yet.</p>
      ) : (
        <ul aria-label="Workspace list">
          {items.map((workspace) => (
            <li key={workspace.id}>{workspace.name}</li>
          ))}
        </ul>
      )}
      <form aria-label="New workspace" onSubmit={(event) => void create(event)}>
        <label>
          Name
          <input name="name" required maxLength={100} />
        </label>
        <label>
          Description
          <input name="description" maxLength={1000} />
        </label>
        <button type="submit">Create workspace</button>
      </form>
      <ErrorMessage error={error} />
      <button
        type="button"
        onClick={() => {
          void api.signOut().finally(onSignedOut);
        }}
      >
        Sign out
      </button>
    </section>
  );
}
