// Send one captured item now, if there is a signal, and say what became of it.
export async function sendNow(app, item) {
  if (navigator.onLine) await app.flush();
  const sent = app.outbox.sent.find((done) => done.item.id === item.id);
  if (sent) return { state: "sent", result: sent.result };
  const current = await app.outbox.store.get(item.id);
  if (!current) return { state: "gone" };
  if (current.state === "refused" || current.state === "confirm") {
    return { state: current.state, problem: current.problem, quote: current.quote, item: current };
  }
  return { state: "waiting", item: current };
}
