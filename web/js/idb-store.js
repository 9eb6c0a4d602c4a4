// The outbox's store in IndexedDB: one object store of items keyed by id (photos as Blobs).
// It survives reloads and restarts; Keluar deletes the whole database.
const DB_NAME = "sutasoma";
const STORE = "outbox";

let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      resolve(db);
    };
    request.onerror = () => {
      opening = null;
      reject(request.error);
    };
    request.onblocked = () => reject(new Error("IndexedDB diblokir oleh tab lain"));
  });
  return opening;
}

async function run(mode, operation) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = operation(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("transaksi IndexedDB dibatalkan"));
  });
}

export function idbStore() {
  return {
    all: () => run("readonly", (s) => s.getAll()),
    get: (id) => run("readonly", (s) => s.get(id)),
    put: (item) => run("readwrite", (s) => s.put(item)),
    delete: (id) => run("readwrite", (s) => s.delete(id)),
    clear: () => run("readwrite", (s) => s.clear()),
  };
}

/** Delete the database (Keluar): closes our connection first. */
export async function deleteDatabase() {
  if (opening) {
    try {
      (await opening).close();
    } catch {
      // never opened
    }
    opening = null;
  }
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}
