// tests/e2e/support/policy_model.mjs
//
// A plain JavaScript model of migrations/sqlite/0010_policies.sql (and the triggers it
// relies on) and of the policies on storage.objects (0016_storage.sql's account_image, an
// app migration's team_files), for the tenant-isolation property test
// (rest_isolation.test.mjs): the tables it covers, how it keys and compares their rows, the
// objects in both buckets, and who may read and change what. It never asks the server what
// is allowed.

// ---- the world's constants --------------------------------------------------------------

export const PERMISSIONS = ['roles.manage', 'billing.manage', 'settings.manage', 'members.manage', 'invites.manage'];
export const EXTRA_ROLE = 'viewer';
export const SEEDED_ROLE_PERMISSIONS = [
  ...PERMISSIONS.map((p) => ['owner', p]),
  ['member', 'members.manage'],
  ['member', 'invites.manage'],
];
export const STATUSES = ['active', 'trialing', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'];
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed'];
export const ITEM_TYPES = ['flat', 'per_seat', 'metered'];
export const FEATURES = ['export', 'api', 'sso', 'ai_tokens'];
// The billing tables: read by the account's members (and a personal account's owner),
// written only by the server (webhooks, service_role).
export const BILLING_TABLES = ['billing_customers', 'subscriptions', 'subscription_items', 'subscription_features', 'orders', 'order_items'];
export const PAST = { created_at: '2020-01-01T00:00:00.000000+00:00', expires_at: '2020-01-02T00:00:00.000000+00:00' };
export const PROTECTED_MESSAGE = 'You do not have permission to update this field';

// Per table: how a row is keyed, which columns identify it, which columns the model keeps
// (compared on every read and on every service_role check), and which columns filters use.
export const SPEC = {
  accounts: {
    keyCols: ['id'], fields: ['name', 'primary_owner_user_id', 'is_personal_account'],
    filterCols: ['id', 'primary_owner_user_id'],
  },
  accounts_memberships: { keyCols: ['user_id', 'account_id'], fields: ['account_role'], filterCols: ['account_id', 'user_id'] },
  invitations: { keyCols: ['id'], fields: ['account_id', 'invited_by', 'email', 'role'], filterCols: ['id', 'account_id', 'invited_by'] },
  notifications: { keyCols: ['id'], fields: ['account_id', 'body', 'dismissed', 'expires_at'], filterCols: ['id', 'account_id'] },
  billing_customers: { keyCols: ['id'], fields: ['account_id', 'customer_id', 'email'], filterCols: ['id', 'account_id'] },
  subscriptions: { keyCols: ['id'], fields: ['account_id', 'customer_id', 'status', 'active'], filterCols: ['id', 'account_id'] },
  subscription_items: {
    keyCols: ['id'], fields: ['account_id', 'subscription_id', 'type', 'quantity'],
    filterCols: ['id', 'account_id', 'subscription_id', 'type'],
  },
  subscription_features: {
    keyCols: ['subscription_id', 'feature_name'], fields: ['account_id', 'enabled', 'usage_limit'],
    filterCols: ['subscription_id', 'account_id', 'feature_name'],
  },
  orders: { keyCols: ['id'], fields: ['account_id', 'customer_id', 'status', 'total_amount'], filterCols: ['id', 'account_id', 'status'] },
  order_items: { keyCols: ['id'], fields: ['account_id', 'order_id', 'quantity'], filterCols: ['id', 'account_id', 'order_id'] },
  super_admins: { keyCols: ['user_id'], fields: [], filterCols: ['user_id'] },
  roles: { keyCols: ['name'], fields: ['hierarchy_level'], filterCols: ['name'] },
  role_permissions: { keyCols: ['role', 'permission'], fields: [], filterCols: ['role'] },
  config: { keyCols: [], fields: ['enable_team_accounts'], filterCols: [] },
  one_time_tokens: { keyCols: ['id'], fields: [], filterCols: [] },
};
export const keyOf = (table, row) => (SPEC[table].keyCols.length === 0 ? 'config' : SPEC[table].keyCols.map((c) => String(row[c])).join('|'));
export const columnsOf = (table) => [...SPEC[table].keyCols, ...SPEC[table].fields].join(',');

// notifications.expires_at as the model keeps it: 'null', 'future' or 'past'.
export function expiryOf(value) {
  if (value === null) return 'null';
  return Date.parse(value) > Date.now() ? 'future' : 'past';
}
// A row as read from the server, in the model's terms.
export function normalize(table, row) {
  const out = {};
  for (const c of [...SPEC[table].keyCols, ...SPEC[table].fields]) {
    out[c] = table === 'notifications' && c === 'expires_at' ? expiryOf(row[c]) : row[c];
  }
  return out;
}

// ---- the model of 0010_policies.sql ---------------------------------------------------------

export class Model {
  constructor() {
    this.t = Object.fromEntries(Object.keys(SPEC).map((name) => [name, new Map()]));
    this.ever = Object.fromEntries(Object.keys(SPEC).map((name) => [name, []]));
    this.objects = Object.fromEntries(BUCKETS.map((b) => [b, new Map()]));
  }
  rows(table) { return [...this.t[table].values()]; }
  put(table, row) {
    const key = keyOf(table, row);
    const fresh = !this.t[table].has(key);
    if (fresh && SPEC[table].keyCols.length === 1) this.ever[table].push(row[SPEC[table].keyCols[0]]);
    this.t[table].set(key, row);
    if (fresh && table === 'accounts_memberships') this.syncSeats(row.account_id);
  }
  // Removes a row with what its foreign keys cascade to (ON DELETE CASCADE in
  // 0004_billing.sql) and what its triggers change (the seats of 0015_billing_jobs.sql).
  remove(table, row) {
    if (!this.t[table].delete(keyOf(table, row))) return;
    const cascade = (child, linked) => { for (const r of this.rows(child).filter(linked)) this.remove(child, r); };
    if (table === 'accounts_memberships') this.syncSeats(row.account_id);
    if (table === 'billing_customers') {
      const same = (r) => r.account_id === row.account_id && r.customer_id === row.customer_id; // provider: always stripe here
      cascade('subscriptions', same);
      cascade('orders', same);
    }
    if (table === 'subscriptions') {
      cascade('subscription_items', (r) => r.subscription_id === row.id);
      cascade('subscription_features', (r) => r.subscription_id === row.id);
    }
    if (table === 'orders') cascade('order_items', (r) => r.order_id === row.id);
  }
  // The tables a write to `table` may change besides itself.
  static dependents(table) {
    return {
      accounts_memberships: ['subscription_items'],
      billing_customers: ['subscriptions', 'subscription_items', 'subscription_features', 'orders', 'order_items'],
      subscriptions: ['subscription_items', 'subscription_features'],
      orders: ['order_items'],
    }[table] ?? [];
  }
  // accounts_memberships_seats_insert/_delete: when a team's membership comes or goes, its
  // per_seat items on active subscriptions take the member count.
  syncSeats(acc) {
    const seats = this.rows('accounts_memberships').filter((m) => m.account_id === acc).length;
    for (const item of this.rows('subscription_items')) {
      if (item.account_id === acc && item.type === 'per_seat' && this.t.subscriptions.get(item.subscription_id)?.active) item.quantity = seats;
    }
  }
  membership(uid, acc) { return this.t.accounts_memberships.get(`${uid}|${acc}`); }
  hasRole(uid, acc) { return this.membership(uid, acc) !== undefined; }
  permsOf(role) {
    return new Set(this.rows('role_permissions').filter((rp) => rp.role === role).map((rp) => rp.permission));
  }
  hasPermission(uid, acc, permission) {
    const m = this.membership(uid, acc);
    return m !== undefined && this.permsOf(m.account_role).has(permission);
  }
  isAccountOwner(uid, acc) { return this.t.accounts.get(acc)?.primary_owner_user_id === uid; }
  isSuperAdmin(c) { return c.kind === 'user' && c.aal === 'aal2' && this.t.super_admins.has(c.uid); }
  isSet(flag) { return this.t.config.get('config')[flag] === true; }

  // SELECT policies. service_role bypasses them; anon has none.
  canSelect(c, table, r) {
    if (c.kind === 'service') return true;
    if (c.kind === 'anon') return false;
    const uid = c.uid;
    const ownOrMember = (acc) => acc === uid || this.hasRole(uid, acc);
    switch (table) {
      case 'accounts': return r.primary_owner_user_id === uid || this.hasRole(uid, r.id) || this.isSuperAdmin(c);
      case 'accounts_memberships': return r.user_id === uid || this.hasRole(uid, r.account_id);
      case 'roles': case 'role_permissions': case 'config': return true;
      case 'invitations': return this.hasPermission(uid, r.account_id, 'invites.manage');
      case 'super_admins': return this.isSuperAdmin(c);
      case 'billing_customers': case 'subscriptions': case 'subscription_items':
      case 'subscription_features': case 'orders': case 'order_items': return ownOrMember(r.account_id);
      case 'notifications': return ownOrMember(r.account_id) && r.expires_at !== 'past';
      case 'one_time_tokens': return false;
      default: throw new Error(`no model for ${table}`);
    }
  }
  // UPDATE policies (USING; a filtered UPDATE also needs the row visible to SELECT).
  canUpdate(c, table, r) {
    if (c.kind === 'service') return true;
    if (c.kind === 'anon' || !this.canSelect(c, table, r)) return false;
    const uid = c.uid;
    switch (table) {
      case 'accounts':
        return (r.is_personal_account && r.primary_owner_user_id === uid)
          || (!r.is_personal_account && this.hasPermission(uid, r.id, 'settings.manage'));
      case 'notifications':
        return (r.account_id === uid || this.hasRole(uid, r.account_id)) && r.expires_at !== 'past';
      default: return false;
    }
  }
  // DELETE policies.
  canDelete(c, table, r) {
    if (c.kind === 'service') return true;
    if (c.kind === 'anon' || !this.canSelect(c, table, r)) return false;
    const uid = c.uid;
    switch (table) {
      case 'accounts_memberships': return r.user_id === uid && !this.isAccountOwner(uid, r.account_id);
      case 'invitations': return this.hasPermission(uid, r.account_id, 'invites.manage');
      default: return false;
    }
  }
  // INSERT … WITH CHECK of invitations_create (the only insert policy).
  canInsertInvitation(c, inv) {
    if (c.kind === 'service') return true;
    if (c.kind === 'anon') return false;
    const acc = this.t.accounts.get(inv.account_id);
    return this.isSet('enable_team_accounts') && inv.invited_by === c.uid && acc !== undefined
      && !acc.is_personal_account && this.hasPermission(c.uid, inv.account_id, 'invites.manage');
  }
  // The BEFORE UPDATE triggers that hold protected fields for anon and authenticated: does
  // `patch` change one of them on `r`?
  changesProtected(c, table, r, patch) {
    if (c.kind === 'service') return false;
    const differs = (col) => col in patch && JSON.stringify(patch[col]) !== JSON.stringify(r[col]);
    if (table === 'accounts') return ['id', 'primary_owner_user_id', 'is_personal_account'].some(differs);
    if (table === 'notifications') {
      return Object.keys(patch).some((col) => {
        if (col === 'dismissed') return false;
        if (col === 'expires_at') return patch[col] !== null || r.expires_at !== 'null'; // the test only sends null or a new time
        return differs(col);
      });
    }
    return false;
  }

  // ---- storage.objects (the objects: bucket → name → { bytes, type }) ----

  // Policies on storage.objects for `command` (select, insert, update, delete) on bucket/name.
  // Both buckets give UPDATE's USING and WITH CHECK the same predicate, so 'update' is both.
  objectAllowed(c, command, bucket, name) {
    if (c.kind === 'service') return true;
    if (c.kind === 'anon') return false; // no policy is TO anon
    const folder = firstFolder(name);
    if (bucket === 'account_image') {
      if (command === 'select') return true;
      return folder !== null && (folder === c.uid || this.hasPermission(c.uid, folder, 'settings.manage'));
    }
    if (bucket === 'team_files') return folder !== null && this.hasRole(c.uid, folder);
    return false;
  }
  object(bucket, name) { return this.objects[bucket].get(name); }
  canReadObject(c, bucket, name) {
    return this.objects[bucket].has(name) && this.objectAllowed(c, 'select', bucket, name);
  }
  // What list(prefix) shows `c` (the prefix as listPrefix gives it): the folders and objects
  // directly under it, of the objects the caller may select, by name; folders are entries of
  // their own. { name, folder, object }.
  listing(c, bucket, prefix) {
    const entries = new Map();
    for (const [name, object] of this.objects[bucket]) {
      if (!name.startsWith(prefix) || !this.objectAllowed(c, 'select', bucket, name)) continue;
      const rest = name.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash === -1) entries.set(`o:${rest}`, { name: rest, folder: false, object });
      else entries.set(`f:${rest.slice(0, slash)}`, { name: rest.slice(0, slash), folder: true });
    }
    const out = [...entries.values()].sort((a, b) => byteCompare(a.name, b.name));
    for (let i = 1; i < out.length; i += 1) {
      if (out[i].name === out[i - 1].name) throw new Error(`the test made a folder and an object both named ${out[i].name}: their order is not defined`);
    }
    return out;
  }
}

// ---- filters ------------------------------------------------------------------------------

// A filter is a list of atoms, all of which must hold: { op: eq|neq|in|notin|or, col, vals }.
export function applyFilter(q, filter) {
  for (const f of filter) {
    if (f.op === 'eq') q = q.eq(f.col, f.vals[0]);
    else if (f.op === 'neq') q = q.neq(f.col, f.vals[0]);
    else if (f.op === 'in') q = q.in(f.col, f.vals);
    else if (f.op === 'notin') q = q.not(f.col, 'in', `(${f.vals.join(',')})`);
    else if (f.op === 'or') q = q.or(f.vals.map((v) => `${f.col}.eq.${v}`).join(','));
    else throw new Error(`unknown filter ${f.op}`);
  }
  return q;
}
export function matches(row, filter) {
  return filter.every((f) => {
    const hit = f.vals.includes(row[f.col]);
    return f.op === 'neq' || f.op === 'notin' ? !hit : hit;
  });
}
export function showFilter(filter) {
  return filter.map((f) => {
    if (f.op === 'eq' || f.op === 'neq') return `.${f.op}(${f.col}, ${JSON.stringify(f.vals[0])})`;
    if (f.op === 'notin') return `.not(${f.col}, in, (${f.vals.join(',')}))`;
    if (f.op === 'or') return `.or(${f.vals.map((v) => `${f.col}.eq.${v}`).join(',')})`;
    return `.in(${f.col}, ${JSON.stringify(f.vals)})`;
  }).join('');
}

// ---- storage: the policies on storage.objects ------------------------------------------------
//
// Two buckets: the core `account_image` (migrations/sqlite/0016_storage.sql: public; any
// signed-in user reads every object; writes only under the caller's own user id or a team
// where they hold settings.manage) and an app migration's private `team_files` (the seed's
// pattern, as in storage.test.mjs: the first folder's members read and write). The first
// folder of a name is (storage.foldername(name))[1]: NULL for a name without a folder.

export const BUCKETS = ['account_image', 'team_files'];
export const PUBLIC_BUCKETS = new Set(['account_image']);
export const TEAM_FILES_MIGRATION = `
-- The seed's storage pattern: each object's first folder is the account that owns it.
INSERT INTO storage.buckets (id, name, public) VALUES ('team_files', 'team_files', false);
CREATE POLICY team_files_read ON storage.objects FOR SELECT TO authenticated
  USING (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid));
CREATE POLICY team_files_insert ON storage.objects FOR INSERT TO authenticated
  WITH CHECK (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid));
CREATE POLICY team_files_update ON storage.objects FOR UPDATE TO authenticated
  USING (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid))
  WITH CHECK (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid));
CREATE POLICY team_files_delete ON storage.objects FOR DELETE TO authenticated
  USING (bucket_id = 'team_files' AND public.has_role_on_account((storage.foldername(name))[1]::uuid));
`;

export const firstFolder = (name) => {
  const parts = name.split('/');
  return parts.length > 1 ? parts[0] : null;
};

// Why the server refuses a name (400 InvalidKey), or null (docs/storage.md, "Names are data").
export function objectNameError(name) {
  if (name.length === 0) return 'empty';
  if (Buffer.byteLength(name) > 1024) return 'longer than 1024 bytes';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a control character';
  if (name.startsWith('/')) return "a leading '/'";
  for (const segment of name.split('/')) {
    if (segment === '') return 'an empty folder';
    if (segment === '.' || segment === '..') return "a '.' or '..' segment";
  }
  return null;
}

// Names compare bytewise on the server (text in COLLATE "C", std::string in the listing).
export const byteCompare = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// supabase-js's upload() and update() clean the path first (_removeEmptyFolders).
export const cleanPath = (path) => path.replace(/^\/|\/$/g, '').replace(/\/+/g, '/');

// The name the server sees for a path that travels in the URL (upload, download, sign,
// public and signed URLs): fetch resolves '.' and '..' segments and percent-encodes what it
// must; the server decodes percent escapes ('+' stays '+').
export function urlName(path) {
  const p = new URL(`http://host/bucket/${path}`).pathname;
  if (!p.startsWith('/bucket/')) throw new Error(`the test made a path that leaves its bucket: ${path}`);
  return decodeURIComponent(p.slice('/bucket/'.length));
}

// list()'s prefix as the server takes it: no leading '/', and a folder ends with '/'.
export function listPrefix(prefix) {
  let p = prefix.replace(/^\/+/, '');
  if (p !== '' && !p.endsWith('/')) p += '/';
  return p;
}

// list()'s search: the entry's name starts with it, ASCII letters in any case.
export function searchMatches(name, search) {
  if (search === '') return true;
  const lower = (b) => Buffer.from(b.map((x) => (x >= 0x41 && x <= 0x5a ? x + 32 : x)));
  const n = Buffer.from(name);
  const s = Buffer.from(search);
  return n.length >= s.length && lower(n.subarray(0, s.length)).equals(lower(s));
}
