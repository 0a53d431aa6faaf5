import type pg from 'pg';

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

const COLUMNS = 'id, email, password_hash AS "passwordHash", created_at AS "createdAt"';
const UNIQUE_VIOLATION = '23505';

/** Accounts, in the `auth` schema that this service's migrations own. */
export function userRepository(db: pg.Pool) {
  return {
    /** The new user, or undefined when the email is taken. */
    async create(email: string, passwordHash: string): Promise<User | undefined> {
      try {
        const { rows } = await db.query<User>(
          `INSERT INTO auth.users (email, password_hash) VALUES ($1, $2) RETURNING ${COLUMNS}`,
          [email, passwordHash],
        );
        return rows[0];
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
        throw error;
      }
    },
    async findByEmail(email: string): Promise<User | undefined> {
      const { rows } = await db.query<User>(
        `SELECT ${COLUMNS} FROM auth.users WHERE lower(email) = lower($1)`,
        [email],
      );
      return rows[0];
    },
    async findById(id: string): Promise<User | undefined> {
      const { rows } = await db.query<User>(`SELECT ${COLUMNS} FROM auth.users WHERE id = $1`, [
        id,
      ]);
      return rows[0];
    },
  };
}

export type UserRepository = ReturnType<typeof userRepository>;
