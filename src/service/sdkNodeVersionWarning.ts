/**
 * The AWS SDK's own switch for its NodeVersionSupportWarning (`@aws-sdk/core`,
 * `emitWarningIfUnsupportedVersion`): "true" turns off that one warning and nothing else.
 */
const SDK_NODE_VERSION_WARNING_DISABLED = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * Turns off the AWS SDK's NodeVersionSupportWarning for this process, unless the environment
 * already says what it wants (set the variable to "false" to see the warning).
 *
 * Why: on Node 20 every SDK client construction prints a ten-line warning that SDK releases
 * from January 2027 need Node 22. It is advice for whoever upgrades this project's pinned SDK
 * versions (README "Requirements" says which Node to use), not something a person running
 * `npm start`, `s3-torrent prewarm` or the seeder can act on mid-command. Only this warning
 * goes: Node's other warnings (deprecations, experimental features) still reach stderr, because
 * no `warning` listener is added or removed. Call it before the first SDK client is built; the
 * SDK reads the variable when a client is constructed, not when it is imported.
 *
 * @param env - the environment to set it in
 * @default env process.env
 */
function silenceSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env[SDK_NODE_VERSION_WARNING_DISABLED] ??= 'true';
}

export { SDK_NODE_VERSION_WARNING_DISABLED, silenceSdkNodeVersionWarning };
