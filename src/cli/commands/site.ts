// `mcshell site`: the site database's own commands. `upgrade` applies the schema migrations a
// database lacks (opening a site does too; this does it at a time the admin chooses) and upgrades
// its records to this mcshell's schema version; `migrate` copies a file site into an empty
// database and verifies the copy record by record.
import { parse, runCommand, UsageError } from './transport-args.js';

const USAGE = `usage: mcshell site upgrade [--site postgres://…]
       mcshell site migrate --from <site dir> --to postgres://…
upgrade  applies the site database's schema migrations and upgrades its records (default site: $MCSHELL_SITE).
migrate  copies the file site in <site dir> into an empty site database, then reads every record
         back and compares it. The folder keeps the identity, images and boot images: use it as
         MCSHELL_HOME (the local state folder) of the machine that serves them, with
         MCSHELL_SITE=postgres://… naming the database.
`;

export async function main(argv: string[]): Promise<number> {
  return runCommand('site', USAGE, async () => {
    const { values, positionals } = parse(argv, { site: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const { isDatabaseUrl, resolveSite, resolveSiteHome } = await import('../../engine/site/store.js');
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (action === 'upgrade') {
      const url = resolveSite({ site: values.site });
      if (!isDatabaseUrl(url)) throw new UsageError(`upgrade needs a site database (--site postgres://… or MCSHELL_SITE); '${url}' is a file site, which opening upgrades`);
      const { PostgresSiteStore } = await import('../../engine/site/postgres/store.js');
      const store = await PostgresSiteStore.open(url, resolveSiteHome({ site: values.site }));
      process.stdout.write(`${JSON.stringify({ site: store.location, schemaVersion: store.read().schemaVersion })}\n`);
      await store.close();
      return 0;
    }
    if (action === 'migrate') {
      if (!values.from || !values.to) throw new UsageError('migrate needs --from <site dir> and --to postgres://…');
      if (!isDatabaseUrl(values.to)) throw new UsageError(`--to must be a site database URL (postgres://…); got '${values.to}'`);
      const { migrateFileSite } = await import('../../engine/site/postgres/migrate.js');
      const { withoutPassword } = await import('../../engine/site/postgres/store.js');
      const report = await migrateFileSite(values.from, values.to);
      process.stdout.write(`${JSON.stringify({ from: values.from, to: withoutPassword(values.to), verified: true, ...report })}\n`);
      return 0;
    }
    throw new UsageError(action ? `unknown action '${action}' (upgrade or migrate)` : 'name an action: upgrade or migrate');
  });
}
