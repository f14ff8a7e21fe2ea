/** Prints new chat lines from the emulator as they appear: rental chats, DMs and owner chats. */
import type { Sim } from '../sim/index.js';

export interface Watched {
  kind: 'rental' | 'dm' | 'owner';
  id: string;
  label: string;
}

export function createConversationPrinter(sim: Sim, write: (line: string) => void) {
  const seen = new Set<string>();
  const watched: Watched[] = [];
  const name = (id: string) => {
    const profile = sim.getProfile(id);
    return profile ? `@${profile.username}` : id.slice(0, 8);
  };
  const indent = (text: string) => text.replace(/\n/g, '\n      ');

  function flush(): void {
    for (const w of watched) {
      const lines =
        w.kind === 'rental'
          ? sim.rentalMessages(w.id).map((m) => ({ id: m.id, from: name(m.sender_id), text: m.content }))
          : w.kind === 'dm'
            ? sim.dmMessages(w.id).map((m) => ({ id: m.id, from: name(m.sender_id), text: m.content }))
            : sim.ownerChat(w.id).map((m) => ({ id: m.id, from: m.sender_type === 'bot' ? name(m.bot_id) : name(m.owner_id), text: m.content }));
      for (const line of lines) {
        if (seen.has(line.id)) continue;
        seen.add(line.id);
        write(`  [${w.label}] ${line.from}: ${indent(line.text)}`);
      }
    }
  }

  const timer = setInterval(flush, 100);
  timer.unref();
  return {
    watch(entry: Watched): void {
      watched.push(entry);
    },
    flush,
    stop(): void {
      clearInterval(timer);
      flush();
    },
  };
}
