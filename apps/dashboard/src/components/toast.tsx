import { createContext, lazy, type ReactNode, Suspense, useCallback, useContext, useState } from "react";
import type { Note } from "./toasts";

type Notify = (note: Omit<Note, "id">) => void;

const ToastContext = createContext<Notify>(() => {});

/** Short confirmations ("Endpoint saved") and errors of background actions, announced politely. */
export function useToast(): Notify {
  return useContext(ToastContext);
}

// Radix Toast is loaded with the first note: no page needs it to appear.
const Toasts = lazy(() => import("./toasts").then((m) => ({ default: m.Toasts })));

let nextId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [notes, setNotes] = useState<Note[]>([]);
  const notify = useCallback<Notify>((note) => setNotes((all) => [...all, { ...note, id: nextId++ }]), []);
  const dismiss = useCallback((id: number) => setNotes((all) => all.filter((n) => n.id !== id)), []);
  return (
    <ToastContext.Provider value={notify}>
      {children}
      {notes.length > 0 && (
        <Suspense fallback={null}>
          <Toasts notes={notes} onDismiss={dismiss} />
        </Suspense>
      )}
    </ToastContext.Provider>
  );
}
