import { AppError } from '../errors.ts';

const withoutSlash = (path: string) => (path.length > 1 ? path.replace(/\/$/, '') : path);
const pattern = (template: string) => new RegExp(`^${withoutSlash(template).replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`);

/** The methods a path answers, given the API's routes (`METHOD /path/{param}/`); every GET also answers HEAD. */
export function methodsOf(path: string, routes: readonly string[]): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    const [method, template] = route.split(' ') as [string, string];
    if (!pattern(template).test(withoutSlash(path))) continue;
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
  }
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  return [...methods].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** What the $default route answers: 404 for a path no endpoint has, 405 (with Allow) for another method. */
export function unmatchedRoute(method: string, path: string, routes: readonly string[]): AppError {
  const allowed = methodsOf(path, routes);
  if (allowed.length === 0) return new AppError(404, 'route_not_found', `No endpoint has the path ${path}; GET /openapi.json lists them.`);
  return new AppError(405, 'method_not_allowed', `${path} answers ${allowed.join(', ')}, not ${method}.`, { headers: { Allow: allowed.join(', ') } });
}
