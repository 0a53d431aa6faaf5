import { ApiError } from '../api.js';

/** What went wrong, in words a user can act on; field errors listed one by one. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined) return null;
  const message = error instanceof Error ? error.message : 'Something went wrong';
  const fields = error instanceof ApiError ? error.fields : [];
  return (
    <div role="alert" className="error">
      <p>{message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((field) => (
            <li key={field.field}>
              {field.field}: {field.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
