// Per-device variables (ConfigMgr's device variables): values a task sequence uses as {Name} in its
// steps' targets, commands and host names, so one sequence serves many machines. {name}, {id} and
// {mac} are built in (the device's own); custom ones are set with Set-DeviceVariable.
import { EngineError } from '../errors.js';
import type { DeviceRecord, SiteState } from '../site/model.js';
import type { SiteStore } from '../site/store.js';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const BUILT_IN = ['name', 'id', 'mac'];
/** Values are text of one line: they end up in file paths, host names and commands. */
const MAX_VALUE_LENGTH = 1024;

export function findDevice(site: SiteState, nameIdOrMac: string): DeviceRecord {
  const wanted = nameIdOrMac.trim().toLowerCase();
  const device = site.devices.find((candidate) => candidate.id.toLowerCase() === wanted || candidate.name.toLowerCase() === wanted || candidate.mac === wanted.replace(/-/g, ':'));
  if (!device) {
    const known = site.devices.map((candidate) => candidate.name).join(', ') || 'none yet';
    throw new EngineError('DeviceNotFound', 'ObjectNotFound', `No device named, with id or with MAC address '${nameIdOrMac}' (devices: ${known}).`, nameIdOrMac);
  }
  return device;
}

/** Sets (or with `value` null removes) a device's variable. Names are case-insensitive, as in ConfigMgr. */
export async function setDeviceVariable(store: SiteStore, device: string, name: string, value: string | null): Promise<DeviceRecord> {
  if (!VARIABLE_NAME.test(name)) throw new EngineError('InvalidVariableName', 'InvalidArgument', `'${name}' is not a variable name: letters, digits and _ (not first a digit), at most 64.`, name);
  if (BUILT_IN.includes(name.toLowerCase())) throw new EngineError('BuiltInVariable', 'InvalidArgument', `{${name.toLowerCase()}} is built in (the device's own ${name.toLowerCase()}): it cannot be set; rename the device with the site's device cmdlets instead.`, name);
  if (value !== null && (value.length > MAX_VALUE_LENGTH || /[\r\n\0]/.test(value))) {
    throw new EngineError('InvalidVariableValue', 'InvalidArgument', `The value of ${name} must be one line of at most ${MAX_VALUE_LENGTH} characters.`, value);
  }
  return store.update((site) => {
    const record = findDevice(site, device);
    const variables = Object.fromEntries(Object.entries(record.variables ?? {}).filter(([key]) => key.toLowerCase() !== name.toLowerCase()));
    if (value !== null) variables[name] = value;
    if (Object.keys(variables).length > 0) record.variables = variables;
    else delete record.variables;
    return record;
  });
}

/**
 * `{name}`, `{id}`, `{mac}` and the device's own `{Variable}` in `text` become their values (names
 * case-insensitive). `${…}` (a shell's) and braces that name no variable are left as they are.
 */
export function expandVariables(text: string, device: { id: string; name: string; mac?: string | null; variables?: Record<string, string> | undefined }): string {
  const values = new Map<string, string>(Object.entries(device.variables ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
  values.set('name', device.name);
  values.set('id', device.id);
  if (device.mac) values.set('mac', device.mac);
  return text.replace(/(^|[^$])\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, before: string, name: string) => {
    const value = values.get(name.toLowerCase());
    return value === undefined ? whole : `${before}${value}`;
  });
}
