'use strict';
/**
 * Local Serverless plugin: drops the framework's shared `IamRoleLambdaExecution` role once every
 * function has its own role (serverless-iam-roles-per-function).
 *
 * That plugin clones the shared role as a template, so the framework must still create it, but
 * afterwards nothing uses it. Left in the stack it would be an assumable, unused role that can
 * receive and delete messages of the queue (the framework grants every SQS event source to it):
 * exactly the kind of leftover privilege least-privilege is about. Listed after
 * serverless-iam-roles-per-function in serverless.yml, so its hook runs after that plugin's.
 *
 * If anything still references the role (a function without iamRoleStatements), it is kept.
 */
const ROLE = 'IamRoleLambdaExecution';

/** true if `node` contains a Ref, Fn::GetAtt, Fn::Sub or DependsOn naming `id`. */
function references(node, id) {
  if (Array.isArray(node)) return node.some((n) => references(n, id));
  if (node === null || typeof node !== 'object') return false;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Ref' && value === id) return true;
    if (key === 'Fn::GetAtt' && (Array.isArray(value) ? value[0] === id : String(value).split('.')[0] === id)) return true;
    if (key === 'Fn::Sub' && JSON.stringify(value).includes('${' + id)) return true;
    if (key === 'DependsOn' && (value === id || (Array.isArray(value) && value.includes(id)))) return true;
    if (references(value, id)) return true;
  }
  return false;
}

class PruneDefaultRole {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.prune() };
  }

  prune() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const resources = template.Resources ?? {};
    if (!resources[ROLE]) return;
    const others = Object.entries(resources).filter(([id]) => id !== ROLE);
    const used = others.some(([, resource]) => references(resource, ROLE)) || references(template.Outputs ?? {}, ROLE);
    if (used) {
      this.serverless.cli.log(`prune-default-role: ${ROLE} is still used by a function without iamRoleStatements; kept`);
      return;
    }
    delete resources[ROLE];
  }
}

module.exports = PruneDefaultRole;
