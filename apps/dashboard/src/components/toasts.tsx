import { Toast } from "radix-ui";

/** One toast: owned here, where notes are shown, so the lazily loaded module imports nothing back. */
export type Note = { id: number; title: string; description?: string; tone: "success" | "error" };

/** The toasts themselves (Radix: announced to screen readers, F8 reaches them, swipe or Escape closes). */
export function Toasts({ notes, onDismiss }: { notes: Note[]; onDismiss: (id: number) => void }) {
  return (
    <Toast.Provider swipeDirection="right" duration={6000}>
      {notes.map((note) => (
        <Toast.Root
          key={note.id}
          type={note.tone === "error" ? "foreground" : "background"}
          onOpenChange={(open) => {
            if (!open) onDismiss(note.id);
          }}
          className={`card flex items-start justify-between gap-4 p-4 shadow-lg ${
            note.tone === "error" ? "border-red-300 dark:border-red-800" : ""
          }`}
        >
          <div className="space-y-1">
            <Toast.Title className="text-sm font-semibold">{note.title}</Toast.Title>
            {note.description && (
              <Toast.Description className="hint break-words">{note.description}</Toast.Description>
            )}
          </div>
          <Toast.Close className="rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800">
            Dismiss
          </Toast.Close>
        </Toast.Root>
      ))}
      <Toast.Viewport className="fixed right-0 bottom-0 z-50 flex w-full max-w-sm flex-col gap-2 p-4" />
    </Toast.Provider>
  );
}
