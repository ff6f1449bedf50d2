// A minimal SSE reader for the stream benchmarks: calls onEvent(id, data) for each event, cheaply.
/** Opens `${baseUrl}${path}`; answers {done, close}; `done` settles when the stream ends or close() is called. */
export async function openSse(url, headers, onEvent) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { ...headers, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (response.status !== 200) throw new Error(`SSE answered ${response.status}: ${await response.text()}`);
  const done = (async () => {
    const decoder = new TextDecoder();
    let carry = '';
    let id = null;
    try {
      for await (const chunk of response.body) {
        const lines = (carry + decoder.decode(chunk, { stream: true })).split('\n');
        carry = lines.pop();
        for (const line of lines) {
          if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('data: ') && id !== null) onEvent(Number(id), line.slice(6));
        }
      }
    } catch (error) {
      if (error.name !== 'AbortError') throw error;
    }
  })();
  return { done, close: () => controller.abort() };
}
