// Every Web API method the stand-in answers, by name. Anything else gets Slack's `unknown_method`.

import { chatMethods } from './chat-methods.ts';
import { directoryMethods } from './directory-methods.ts';
import { fileMethods } from './file-methods.ts';
import { itemMethods } from './item-methods.ts';
import type { MethodHandler } from './method-support.ts';
import { socketModeMethods } from './socket-mode.ts';
import { viewMethods } from './view-methods.ts';

export const METHODS: Readonly<Record<string, MethodHandler>> = {
  ...directoryMethods,
  ...chatMethods,
  ...viewMethods,
  ...fileMethods,
  ...itemMethods,
  ...socketModeMethods,
};
