// Durable Object ids by name. idFromName derives the id (a hash of the name) on every call: 2% of a read's CPU. An id is a plain value,
// not an I/O object, so it is kept per namespace and name for the isolate's life (at most MAX_IDS names).
const ids = new WeakMap<DurableObjectNamespace, Map<string, DurableObjectId>>();
const MAX_IDS = 10_000;

export function idOf(namespace: DurableObjectNamespace, name: string): DurableObjectId {
  let known = ids.get(namespace);
  if (!known) ids.set(namespace, (known = new Map()));
  let id = known.get(name);
  if (!id) {
    if (known.size >= MAX_IDS) known.clear();
    known.set(name, (id = namespace.idFromName(name)));
  }
  return id;
}
