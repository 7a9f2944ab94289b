// IAM for the AWS stand-in: users, access keys, inline and AWS-managed policies, roles and their
// sessions, and the attribution of every signed request to a key. Policies are stored verbatim;
// only the containment patterns a responder applies (AWSDenyAll, a plain `Deny *`, the
// "revoke older sessions" `aws:TokenIssueTime` deny) are evaluated, so anything else is allowed.

import { randomBytes } from 'node:crypto';
import {
  createQueryHandler,
  isoSeconds,
  memberList,
  optionalParam,
  paginate,
  type QueryAction,
  type QueryCall,
  QueryError,
  requiredParam,
} from './query-protocol.ts';
import type { Authorization, IamBackend, ServiceHandler } from './types.ts';
import { escapeXml, xmlLeaf } from './xml.ts';

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const AWS_DENY_ALL_ARN = 'arn:aws:iam::aws:policy/AWSDenyAll';
export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_ADMIN_ACCESS_KEY_ID = 'SSECSANDBOXADMIN';

const AWS_MANAGED_POLICIES = new Map<string, string>(
  ['AWSDenyAll', 'AdministratorAccess', 'ReadOnlyAccess', 'AmazonS3FullAccess', 'AmazonS3ReadOnlyAccess'].map(
    (name) => [`arn:aws:iam::aws:policy/${name}`, name] as const,
  ),
);

const ACCESS_KEYS_PER_USER = 2;

// ---------------------------------------------------------------------------------------------
// Access key ids

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = BASE32.indexOf(char);
    if (value === -1) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(bytes);
}

const GENERATION_BIT = 1n << 47n;
const ACCOUNT_MASK = 0x7fffffffff80n;

/**
 * AWS encodes the owning account in new key ids: after the 4-letter prefix, 16 base32 characters
 * carry 80 bits; the first marks the current generation, the next 40 are the account number
 * (WithSecure Labs, "A bitwise analysis of AWS access key identifiers"; Aidan Steele, "AWS Access
 * Key ID formats"). Issuing ids the same way lets GetAccessKeyInfo answer as AWS does.
 */
export function newAccessKeyId(prefix: 'AKIA' | 'ASIA', accountId: string): string {
  const bytes = randomBytes(10);
  let head = GENERATION_BIT | (BigInt(accountId) << 7n) | BigInt(bytes[5]! & 0x7f);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(head & 0xffn);
    head >>= 8n;
  }
  return prefix + base32(bytes);
}

/** The account a current-generation key id encodes; undefined for older ids, which need a lookup. */
export function accountFromAccessKeyId(accessKeyId: string): string | undefined {
  if (accessKeyId.length !== 20) return undefined;
  const bytes = unbase32(accessKeyId.slice(4));
  if (bytes?.length !== 10) return undefined;
  let head = 0n;
  for (let i = 0; i < 6; i++) head = (head << 8n) | BigInt(bytes[i]!);
  if ((head & GENERATION_BIT) === 0n) return undefined;
  return String((head & ACCOUNT_MASK) >> 7n).padStart(12, '0');
}

function uniqueId(prefix: string): string {
  return prefix + base32(randomBytes(11)).slice(0, 17);
}

function newSecret(): string {
  return randomBytes(30).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// State

export type AccessKeyStatus = 'Active' | 'Inactive';

interface User {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate: Date;
  inlinePolicies: Map<string, string>;
  /** Managed policy ARN → policy name. */
  attachedPolicies: Map<string, string>;
}

interface Role {
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  createDate: Date;
  assumeRolePolicyDocument: string;
  description: string | undefined;
  maxSessionDuration: number;
  inlinePolicies: Map<string, string>;
}

interface RoleSession {
  roleName: string;
  sessionName: string;
  issuedAt: Date;
  expiration: Date;
}

interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** The owning user; undefined for a role session's temporary key. */
  userName: string | undefined;
  session: RoleSession | undefined;
  status: AccessKeyStatus;
  createDate: Date;
  lastUsed: { date: Date; service: string; region: string } | undefined;
}

export interface IssuedAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface IssuedSession extends IssuedAccessKey {
  sessionToken: string;
  expiration: Date;
  assumedRoleId: string;
  arn: string;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface IamServiceOptions {
  accountId?: string;
  adminAccessKeyId?: string;
  now?: () => Date;
}

export interface IamService {
  handler: ServiceHandler;
  backend: IamBackend;
  accountId: string;
  adminAccessKeyId: string;
  now: () => Date;
  createUser(userName: string, opts?: { path?: string }): { userName: string; userId: string; arn: string };
  createAccessKey(userName: string): IssuedAccessKey;
  updateAccessKey(accessKeyId: string, status: AccessKeyStatus): void;
  putUserPolicy(userName: string, policyName: string, document: string | object): void;
  attachUserPolicy(userName: string, policyArn: string): void;
  createRole(
    roleName: string,
    opts?: { assumeRolePolicyDocument?: string | object; path?: string; maxSessionDuration?: number },
  ): { roleName: string; roleId: string; arn: string };
  putRolePolicy(roleName: string, policyName: string, document: string | object): void;
  /** Issues a temporary `ASIA…` key for the role, as sts:AssumeRole does. */
  createRoleSession(
    roleName: string,
    sessionName: string,
    opts?: { issuedAt?: Date; durationSeconds?: number },
  ): IssuedSession;
  /** Who a key belongs to, for sts:GetCallerIdentity; undefined for keys the sandbox never issued. */
  identify(accessKeyId: string): CallerIdentity | undefined;
  /** The account a key belongs to, for sts:GetAccessKeyInfo; undefined when it cannot be told. */
  accountForAccessKey(accessKeyId: string): string | undefined;
  /** Status and last use of a key, for tests and the drill's narration. */
  describeAccessKey(
    accessKeyId: string,
  ): { userName: string | undefined; status: AccessKeyStatus; lastUsed: AccessKey['lastUsed'] } | undefined;
  /** Attribution naming the action in the AccessDenied message, as AWS's messages do. */
  authorizeAction(accessKeyId: string | undefined, action: string, resource?: string): Authorization;
}

const DEFAULT_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'batchoperations.s3.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

export function createIamService(opts: IamServiceOptions = {}): IamService {
  const accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID;
  const adminAccessKeyId = opts.adminAccessKeyId ?? DEFAULT_ADMIN_ACCESS_KEY_ID;
  const now = opts.now ?? (() => new Date());
  // IAM names are unique regardless of case, so both maps are keyed by the lower-cased name.
  const users = new Map<string, User>();
  const roles = new Map<string, Role>();
  const keys = new Map<string, AccessKey>();

  const noSuchUser = (name: string) =>
    new QueryError(404, 'NoSuchEntity', `The user with name ${name} cannot be found.`);
  const noSuchRole = (name: string) =>
    new QueryError(404, 'NoSuchEntity', `The role with name ${name} cannot be found.`);
  const noSuchKey = (id: string) =>
    new QueryError(404, 'NoSuchEntity', `The Access Key with id ${id} cannot be found.`);

  function getUser(name: string): User {
    const user = users.get(name.toLowerCase());
    if (!user) throw noSuchUser(name);
    return user;
  }

  function getRole(name: string): Role {
    const role = roles.get(name.toLowerCase());
    if (!role) throw noSuchRole(name);
    return role;
  }

  function normalizePath(path: string | undefined): string {
    const value = path ?? '/';
    if (!value.startsWith('/') || !value.endsWith('/')) {
      throw new QueryError(
        400,
        'ValidationError',
        'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.',
      );
    }
    return value;
  }

  function policyText(document: string | object): string {
    const text = typeof document === 'string' ? document : JSON.stringify(document);
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed))
        throw new Error('no Statement');
    } catch {
      throw new QueryError(400, 'MalformedPolicyDocument', 'Syntax errors in policy.');
    }
    return text;
  }

  function createUser(userName: string, options: { path?: string } = {}) {
    if (users.has(userName.toLowerCase())) {
      throw new QueryError(409, 'EntityAlreadyExists', `User with name ${userName} already exists.`);
    }
    const path = normalizePath(options.path);
    const user: User = {
      userName,
      userId: uniqueId('AIDA'),
      arn: `arn:aws:iam::${accountId}:user${path}${userName}`,
      path,
      createDate: now(),
      inlinePolicies: new Map(),
      attachedPolicies: new Map(),
    };
    users.set(userName.toLowerCase(), user);
    return user;
  }

  function createAccessKey(userName: string): IssuedAccessKey {
    const user = getUser(userName);
    const owned = [...keys.values()].filter((k) => k.userName === user.userName);
    if (owned.length >= ACCESS_KEYS_PER_USER) {
      throw new QueryError(
        409,
        'LimitExceeded',
        `Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`,
      );
    }
    const key: AccessKey = {
      accessKeyId: newAccessKeyId('AKIA', accountId),
      secretAccessKey: newSecret(),
      userName: user.userName,
      session: undefined,
      status: 'Active',
      createDate: now(),
      lastUsed: undefined,
    };
    keys.set(key.accessKeyId, key);
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  }

  function userKey(accessKeyId: string, userName: string | undefined): AccessKey {
    const key = keys.get(accessKeyId);
    if (
      !key ||
      key.session ||
      (userName !== undefined && key.userName?.toLowerCase() !== userName.toLowerCase())
    ) {
      throw noSuchKey(accessKeyId);
    }
    return key;
  }

  function createRole(
    roleName: string,
    options: {
      assumeRolePolicyDocument?: string | object;
      path?: string;
      maxSessionDuration?: number;
      description?: string;
    } = {},
  ): Role {
    if (roles.has(roleName.toLowerCase())) {
      throw new QueryError(409, 'EntityAlreadyExists', `Role with name ${roleName} already exists.`);
    }
    const path = normalizePath(options.path);
    const role: Role = {
      roleName,
      roleId: uniqueId('AROA'),
      arn: `arn:aws:iam::${accountId}:role${path}${roleName}`,
      path,
      createDate: now(),
      assumeRolePolicyDocument: policyText(options.assumeRolePolicyDocument ?? DEFAULT_TRUST_POLICY),
      description: options.description,
      maxSessionDuration: options.maxSessionDuration ?? 3600,
      inlinePolicies: new Map(),
    };
    roles.set(roleName.toLowerCase(), role);
    return role;
  }

  function createRoleSession(
    roleName: string,
    sessionName: string,
    options: { issuedAt?: Date; durationSeconds?: number } = {},
  ): IssuedSession {
    const role = getRole(roleName);
    const durationSeconds = options.durationSeconds ?? 3600;
    if (durationSeconds < 900 || durationSeconds > role.maxSessionDuration) {
      throw new QueryError(
        400,
        'ValidationError',
        `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      );
    }
    const issuedAt = options.issuedAt ?? now();
    const expiration = new Date(issuedAt.getTime() + durationSeconds * 1000);
    const key: AccessKey = {
      accessKeyId: newAccessKeyId('ASIA', accountId),
      secretAccessKey: newSecret(),
      userName: undefined,
      session: { roleName: role.roleName, sessionName, issuedAt, expiration },
      status: 'Active',
      createDate: issuedAt,
      lastUsed: undefined,
    };
    keys.set(key.accessKeyId, key);
    return {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      sessionToken: randomBytes(96).toString('base64'),
      expiration,
      assumedRoleId: `${role.roleId}:${sessionName}`,
      arn: `arn:aws:sts::${accountId}:assumed-role/${role.roleName}/${sessionName}`,
    };
  }

  function identify(accessKeyId: string): CallerIdentity | undefined {
    if (accessKeyId === adminAccessKeyId) {
      return { account: accountId, arn: `arn:aws:iam::${accountId}:root`, userId: accountId };
    }
    const key = keys.get(accessKeyId);
    if (!key) return undefined;
    if (key.session) {
      const role = roles.get(key.session.roleName.toLowerCase());
      return {
        account: accountId,
        arn: `arn:aws:sts::${accountId}:assumed-role/${key.session.roleName}/${key.session.sessionName}`,
        userId: `${role?.roleId ?? 'AROA'}:${key.session.sessionName}`,
      };
    }
    const user = key.userName === undefined ? undefined : users.get(key.userName.toLowerCase());
    return user ? { account: accountId, arn: user.arn, userId: user.userId } : undefined;
  }

  function authorizeAction(
    accessKeyId: string | undefined,
    action: string,
    resource?: string,
  ): Authorization {
    if (accessKeyId === undefined) {
      return { ok: false, status: 403, code: 'AccessDenied', message: 'Access Denied' };
    }
    if (accessKeyId === adminAccessKeyId) return { ok: true, accessKeyId, userName: undefined, accountId };
    const key = keys.get(accessKeyId);
    // AWS does not tell an inactive or expired key from one it never issued: all are refused the same way.
    if (!key || key.status === 'Inactive' || (key.session && key.session.expiration <= now())) {
      return {
        ok: false,
        status: 403,
        code: 'InvalidAccessKeyId',
        message: 'The AWS Access Key Id you provided does not exist in our records.',
      };
    }
    const identity = identify(accessKeyId);
    const denied = key.session ? sessionDenied(key.session) : userDenied(key.userName);
    if (denied) {
      const what = action === '' ? 'this action' : `${action}${resource ? ` on resource: ${resource}` : ''}`;
      return {
        ok: false,
        status: 403,
        code: 'AccessDenied',
        message: `User: ${identity?.arn ?? accessKeyId} is not authorized to perform: ${what} with an explicit deny in an identity-based policy`,
      };
    }
    return { ok: true, accessKeyId, userName: key.userName, accountId };
  }

  function userDenied(userName: string | undefined): boolean {
    const user = userName === undefined ? undefined : users.get(userName.toLowerCase());
    if (!user) return false;
    if (user.attachedPolicies.has(AWS_DENY_ALL_ARN)) return true;
    return [...user.inlinePolicies.values()].some((doc) =>
      statements(doc).some((s) => isDenyAll(s, undefined)),
    );
  }

  function sessionDenied(session: RoleSession): boolean {
    const role = roles.get(session.roleName.toLowerCase());
    if (!role) return true;
    return [...role.inlinePolicies.values()].some((doc) =>
      statements(doc).some((s) => isDenyAll(s, session.issuedAt)),
    );
  }

  const backend: IamBackend = {
    authorize: (accessKeyId) => authorizeAction(accessKeyId, ''),
    recordUse(accessKeyId, service, region, at) {
      const key = keys.get(accessKeyId);
      if (key) key.lastUsed = { date: at, service, region };
    },
  };

  function attach(user: User, policyArn: string): void {
    const name = AWS_MANAGED_POLICIES.get(policyArn);
    if (!name)
      throw new QueryError(404, 'NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`);
    user.attachedPolicies.set(policyArn, name);
  }

  // The caller's own user, for the actions whose UserName defaults to the signing identity.
  function callerUser(call: QueryCall): User {
    const named = optionalParam(call.params, 'UserName');
    if (named !== undefined) return getUser(named);
    if (call.caller.userName === undefined) {
      throw new QueryError(
        400,
        'ValidationError',
        'Must specify userName when calling with non-User credentials',
      );
    }
    return getUser(call.caller.userName);
  }

  const userXml = (u: User) =>
    xmlLeaf('Path', u.path) +
    xmlLeaf('UserName', u.userName) +
    xmlLeaf('UserId', u.userId) +
    xmlLeaf('Arn', u.arn) +
    xmlLeaf('CreateDate', isoSeconds(u.createDate));

  const roleXml = (r: Role) =>
    xmlLeaf('Path', r.path) +
    xmlLeaf('RoleName', r.roleName) +
    xmlLeaf('RoleId', r.roleId) +
    xmlLeaf('Arn', r.arn) +
    xmlLeaf('CreateDate', isoSeconds(r.createDate)) +
    // IAM returns policy documents URL-encoded (RFC 3986); the SDK hands them over still encoded.
    xmlLeaf('AssumeRolePolicyDocument', encodeURIComponent(r.assumeRolePolicyDocument)) +
    xmlLeaf('Description', r.description) +
    xmlLeaf('MaxSessionDuration', r.maxSessionDuration);

  const sortedUsers = () => [...users.values()].sort((a, b) => a.userName.localeCompare(b.userName));

  const actions: Record<string, QueryAction> = {
    CreateUser: ({ params }) =>
      `<User>${userXml(createUser(requiredParam(params, 'UserName'), { path: optionalParam(params, 'Path') }))}</User>`,
    GetUser: (call) => {
      const named = optionalParam(call.params, 'UserName');
      if (named === undefined && call.caller.accessKeyId === adminAccessKeyId) {
        // The account's root user has no name, path or IAM user id.
        return `<User>${xmlLeaf('UserId', accountId)}${xmlLeaf('Arn', `arn:aws:iam::${accountId}:root`)}${xmlLeaf('CreateDate', isoSeconds(new Date(0)))}</User>`;
      }
      return `<User>${userXml(callerUser(call))}</User>`;
    },
    ListUsers: ({ params }) => {
      const prefix = optionalParam(params, 'PathPrefix') ?? '/';
      const { page, tail } = paginate(
        sortedUsers().filter((u) => u.path.startsWith(prefix)),
        params,
      );
      return memberList('Users', page, userXml) + tail;
    },
    DeleteUser: ({ params }) => {
      const user = getUser(requiredParam(params, 'UserName'));
      if ([...keys.values()].some((k) => k.userName === user.userName)) {
        throw new QueryError(409, 'DeleteConflict', 'Cannot delete entity, must delete access keys first.');
      }
      if (user.inlinePolicies.size > 0) {
        throw new QueryError(409, 'DeleteConflict', 'Cannot delete entity, must delete policies first.');
      }
      if (user.attachedPolicies.size > 0) {
        throw new QueryError(409, 'DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      }
      users.delete(user.userName.toLowerCase());
      return undefined;
    },
    CreateAccessKey: (call) => {
      const user = callerUser(call);
      const issued = createAccessKey(user.userName);
      const key = keys.get(issued.accessKeyId)!;
      return `<AccessKey>${xmlLeaf('UserName', user.userName)}${xmlLeaf('AccessKeyId', key.accessKeyId)}${xmlLeaf('Status', key.status)}${xmlLeaf('SecretAccessKey', key.secretAccessKey)}${xmlLeaf('CreateDate', isoSeconds(key.createDate))}</AccessKey>`;
    },
    ListAccessKeys: (call) => {
      const user = callerUser(call);
      const owned = [...keys.values()].filter((k) => k.userName === user.userName);
      const { page, tail } = paginate(owned, call.params);
      return (
        memberList(
          'AccessKeyMetadata',
          page,
          (k) =>
            xmlLeaf('UserName', user.userName) +
            xmlLeaf('AccessKeyId', k.accessKeyId) +
            xmlLeaf('Status', k.status) +
            xmlLeaf('CreateDate', isoSeconds(k.createDate)),
        ) + tail
      );
    },
    UpdateAccessKey: (call) => {
      const status = requiredParam(call.params, 'Status');
      if (status !== 'Active' && status !== 'Inactive') {
        throw new QueryError(
          400,
          'ValidationError',
          `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
        );
      }
      keyOfCaller(call).status = status;
      return undefined;
    },
    DeleteAccessKey: (call) => {
      keys.delete(keyOfCaller(call).accessKeyId);
      return undefined;
    },
    GetAccessKeyLastUsed: ({ params }) => {
      const id = requiredParam(params, 'AccessKeyId');
      const key = keys.get(id);
      if (!key || key.session) throw noSuchKey(id);
      const used = key.lastUsed;
      // AWS reports "N/A" for the service and region of a key that was never used, and no date.
      return `${xmlLeaf('UserName', key.userName)}<AccessKeyLastUsed>${used ? xmlLeaf('LastUsedDate', isoSeconds(used.date)) : ''}${xmlLeaf('ServiceName', used?.service ?? 'N/A')}${xmlLeaf('Region', used?.region ?? 'N/A')}</AccessKeyLastUsed>`;
    },
    PutUserPolicy: ({ params }) => {
      const user = getUser(requiredParam(params, 'UserName'));
      user.inlinePolicies.set(
        requiredParam(params, 'PolicyName'),
        policyText(requiredParam(params, 'PolicyDocument')),
      );
      return undefined;
    },
    GetUserPolicy: ({ params }) => {
      const user = getUser(requiredParam(params, 'UserName'));
      const name = requiredParam(params, 'PolicyName');
      const doc = user.inlinePolicies.get(name);
      if (doc === undefined) {
        throw new QueryError(404, 'NoSuchEntity', `The user policy with name ${name} cannot be found.`);
      }
      return (
        xmlLeaf('UserName', user.userName) +
        xmlLeaf('PolicyName', name) +
        xmlLeaf('PolicyDocument', encodeURIComponent(doc))
      );
    },
    ListUserPolicies: ({ params }) => {
      const user = getUser(requiredParam(params, 'UserName'));
      const { page, tail } = paginate([...user.inlinePolicies.keys()].sort(), params);
      return memberList('PolicyNames', page, escapeXml) + tail;
    },
    DeleteUserPolicy: ({ params }) => {
      const user = getUser(requiredParam(params, 'UserName'));
      const name = requiredParam(params, 'PolicyName');
      if (!user.inlinePolicies.delete(name)) {
        throw new QueryError(404, 'NoSuchEntity', `The user policy with name ${name} cannot be found.`);
      }
      return undefined;
    },
    AttachUserPolicy: ({ params }) => {
      attach(getUser(requiredParam(params, 'UserName')), requiredParam(params, 'PolicyArn'));
      return undefined;
    },
    DetachUserPolicy: ({ params }) => {
      const user = getUser(requiredParam(params, 'UserName'));
      const arn = requiredParam(params, 'PolicyArn');
      if (!user.attachedPolicies.delete(arn)) {
        throw new QueryError(404, 'NoSuchEntity', `Policy ${arn} was not found.`);
      }
      return undefined;
    },
    ListAttachedUserPolicies: ({ params }) => {
      const user = getUser(requiredParam(params, 'UserName'));
      const { page, tail } = paginate([...user.attachedPolicies.entries()], params);
      return (
        memberList(
          'AttachedPolicies',
          page,
          ([arn, name]) => xmlLeaf('PolicyName', name) + xmlLeaf('PolicyArn', arn),
        ) + tail
      );
    },
    CreateRole: ({ params }) => {
      const maxSession = optionalParam(params, 'MaxSessionDuration');
      const role = createRole(requiredParam(params, 'RoleName'), {
        assumeRolePolicyDocument: requiredParam(params, 'AssumeRolePolicyDocument'),
        path: optionalParam(params, 'Path'),
        description: optionalParam(params, 'Description'),
        maxSessionDuration: maxSession === undefined ? undefined : Number(maxSession),
      });
      return `<Role>${roleXml(role)}</Role>`;
    },
    GetRole: ({ params }) => `<Role>${roleXml(getRole(requiredParam(params, 'RoleName')))}</Role>`,
    ListRoles: ({ params }) => {
      const sorted = [...roles.values()].sort((a, b) => a.roleName.localeCompare(b.roleName));
      const { page, tail } = paginate(sorted, params);
      return memberList('Roles', page, roleXml) + tail;
    },
    DeleteRole: ({ params }) => {
      const role = getRole(requiredParam(params, 'RoleName'));
      if (role.inlinePolicies.size > 0) {
        throw new QueryError(409, 'DeleteConflict', 'Cannot delete entity, must delete policies first.');
      }
      roles.delete(role.roleName.toLowerCase());
      return undefined;
    },
    PutRolePolicy: ({ params }) => {
      const role = getRole(requiredParam(params, 'RoleName'));
      role.inlinePolicies.set(
        requiredParam(params, 'PolicyName'),
        policyText(requiredParam(params, 'PolicyDocument')),
      );
      return undefined;
    },
    GetRolePolicy: ({ params }) => {
      const role = getRole(requiredParam(params, 'RoleName'));
      const name = requiredParam(params, 'PolicyName');
      const doc = role.inlinePolicies.get(name);
      if (doc === undefined) {
        throw new QueryError(404, 'NoSuchEntity', `The role policy with name ${name} cannot be found.`);
      }
      return (
        xmlLeaf('RoleName', role.roleName) +
        xmlLeaf('PolicyName', name) +
        xmlLeaf('PolicyDocument', encodeURIComponent(doc))
      );
    },
    ListRolePolicies: ({ params }) => {
      const role = getRole(requiredParam(params, 'RoleName'));
      const { page, tail } = paginate([...role.inlinePolicies.keys()].sort(), params);
      return memberList('PolicyNames', page, escapeXml) + tail;
    },
    DeleteRolePolicy: ({ params }) => {
      const role = getRole(requiredParam(params, 'RoleName'));
      const name = requiredParam(params, 'PolicyName');
      if (!role.inlinePolicies.delete(name)) {
        throw new QueryError(404, 'NoSuchEntity', `The role policy with name ${name} cannot be found.`);
      }
      return undefined;
    },
  };

  // UpdateAccessKey and DeleteAccessKey look the key up under UserName, or under the signing
  // identity when it is omitted (so root credentials without UserName find no user's key).
  function keyOfCaller(call: QueryCall): AccessKey {
    const id = requiredParam(call.params, 'AccessKeyId');
    const named = optionalParam(call.params, 'UserName');
    if (named !== undefined) getUser(named);
    const owner = named ?? call.caller.userName;
    if (owner === undefined) throw noSuchKey(id);
    return userKey(id, owner);
  }

  const handler = createQueryHandler({
    namespace: IAM_NAMESPACE,
    service: 'iam',
    iam: backend,
    actions,
    authorize: (accessKeyId, action) => authorizeAction(accessKeyId, `iam:${action}`),
    now,
  });

  return {
    handler,
    backend,
    accountId,
    adminAccessKeyId,
    now,
    createUser(userName, options) {
      const user = createUser(userName, options);
      return { userName: user.userName, userId: user.userId, arn: user.arn };
    },
    createAccessKey,
    updateAccessKey(accessKeyId, status) {
      userKey(accessKeyId, undefined).status = status;
    },
    putUserPolicy(userName, policyName, document) {
      getUser(userName).inlinePolicies.set(policyName, policyText(document));
    },
    attachUserPolicy(userName, policyArn) {
      attach(getUser(userName), policyArn);
    },
    createRole(roleName, options) {
      const role = createRole(roleName, options);
      return { roleName: role.roleName, roleId: role.roleId, arn: role.arn };
    },
    putRolePolicy(roleName, policyName, document) {
      getRole(roleName).inlinePolicies.set(policyName, policyText(document));
    },
    createRoleSession,
    identify,
    accountForAccessKey(accessKeyId) {
      if (accessKeyId === adminAccessKeyId || keys.has(accessKeyId)) return accountId;
      return accountFromAccessKeyId(accessKeyId);
    },
    describeAccessKey(accessKeyId) {
      const key = keys.get(accessKeyId);
      return key && { userName: key.userName, status: key.status, lastUsed: key.lastUsed };
    },
    authorizeAction,
  };
}

// ---------------------------------------------------------------------------------------------
// The few policy patterns the sandbox evaluates

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

function statements(document: string): Statement[] {
  try {
    const parsed = JSON.parse(document) as { Statement?: unknown };
    const list = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    return list.filter((s): s is Statement => typeof s === 'object' && s !== null);
  } catch {
    return [];
  }
}

const isStar = (value: unknown) =>
  value === '*' || (Array.isArray(value) && value.length === 1 && value[0] === '*');

/**
 * `Deny *` on `*` with no condition, or — for role sessions only — the condition the IAM console's
 * "Revoke active sessions" writes: `DateLessThan` on `aws:TokenIssueTime`.
 */
function isDenyAll(statement: Statement, sessionIssuedAt: Date | undefined): boolean {
  if (statement.Effect !== 'Deny' || statement.NotAction !== undefined) return false;
  if (!isStar(statement.Action) || !isStar(statement.Resource)) return false;
  if (statement.Condition === undefined) return true;
  if (sessionIssuedAt === undefined) return false;
  const condition = statement.Condition as Record<string, unknown>;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== 'DateLessThan') return false;
  const dateLessThan = condition['DateLessThan'] as Record<string, unknown> | undefined;
  const cutoff = dateLessThan?.['aws:TokenIssueTime'];
  if (typeof cutoff !== 'string' || Object.keys(dateLessThan ?? {}).length !== 1) return false;
  const cutoffMs = Date.parse(cutoff);
  return Number.isFinite(cutoffMs) && sessionIssuedAt.getTime() < cutoffMs;
}
