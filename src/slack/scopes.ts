// The bot token scope each Web API method the bot calls needs (from each method's page on
// api.slack.com). A test checks that every method used in src/ is listed here and that the
// manifest requests exactly what these need, so the app asks for no more than it uses.
export const METHOD_SCOPES: Record<string, string | null> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.update': 'chat:write',
  'chat.getPermalink': null,
  'views.open': null,
  'views.update': null,
  'views.publish': null,
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'files.uploadV2': 'files:write',
  'pins.add': 'pins:write',
  'users.info': 'users:read',
  'usergroups.users.list': 'usergroups:read',
};

/** Scopes the features themselves need, beyond Web API calls. */
export const FEATURE_SCOPES = ['commands'];
