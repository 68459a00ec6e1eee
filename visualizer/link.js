// The page's WebSocket to the visualizer server (/ui), reconnecting while the page is open.

const RETRY_MS = 1000;

/**
 * Connects to `ws://<this host>/ui?token=<token>` (the run's token, from the page's own URL). `onMessage` gets
 * every parsed message; `onStatus` gets `'open' | 'closed'`. Returns `send(message)`, which drops messages
 * while disconnected.
 */
export function connectLink({ token, onMessage, onStatus }) {
  let socket;
  const open = () => {
    socket = new WebSocket(`ws://${location.host}/ui?token=${encodeURIComponent(token)}`);
    socket.addEventListener('open', () => onStatus('open'));
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      onMessage(message);
    });
    socket.addEventListener('close', () => {
      onStatus('closed');
      setTimeout(open, RETRY_MS);
    });
  };
  open();
  return {
    send(message) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
  };
}
