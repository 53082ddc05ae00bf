import { type FormEvent, type ReactNode, useState } from "react";
import { Button } from "./ui";

/**
 * A list's search field and its button. The text is sent on submit (Enter or the button), trimmed,
 * and as undefined when empty, so the URL then holds no search at all.
 */
export function SearchBox({
  id,
  label,
  placeholder,
  initial,
  onSearch,
}: {
  id: string;
  /** Read by screen readers (the placeholder says it on screen). */
  label: string;
  placeholder: string;
  initial: string | undefined;
  onSearch: (text: string | undefined) => void;
}) {
  const [text, setText] = useState(initial ?? "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(text.trim() || undefined);
  };
  return (
    <form aria-label="Search" onSubmit={submit} className="flex flex-1 gap-2">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <input
        id={id}
        className="input"
        type="search"
        placeholder={placeholder}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <Button type="submit" variant="secondary">
        Search
      </Button>
    </form>
  );
}

/** A labelled filter: its first choice (`anyLabel`) means no filter, and is sent as undefined. */
export function FilterSelect({
  label,
  value,
  onChange,
  children,
  anyLabel = "All",
}: {
  label: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  children: ReactNode;
  anyLabel?: string;
}) {
  return (
    <label className="space-y-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">
      <span className="block">{label}</span>
      <select
        className="input py-1.5"
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value || undefined)}
      >
        <option value="">{anyLabel}</option>
        {children}
      </select>
    </label>
  );
}
