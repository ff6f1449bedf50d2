import type { Env as CrmEnv } from '../shared/env';

declare global {
  namespace Cloudflare {
    interface Env extends CrmEnv {}
    interface GlobalProps {
      mainModule: typeof import('../workers/index');
      durableNamespaces: 'TenantLog' | 'ReadModel' | 'StreamHub';
    }
  }
}
