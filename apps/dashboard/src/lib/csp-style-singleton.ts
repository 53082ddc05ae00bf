// Stands in for `react-style-singleton` (vite.config.ts aliases it here). Radix's dialogs lock page
// scroll through react-remove-scroll, which writes its few CSS rules into a new <style> element: the
// server's Content-Security-Policy (`style-src 'self'`, no 'unsafe-inline') blocks that. The same
// rules go into a constructed stylesheet instead (`document.adoptedStyleSheets`), which is CSSOM and
// allowed by the policy. Same API and the same add/remove counting as the original package.
import { useEffect } from "react";

export function stylesheetSingleton() {
  let counter = 0;
  let sheet: CSSStyleSheet | null = null;
  return {
    add(css: string) {
      if (counter === 0) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      counter++;
    },
    remove() {
      counter--;
      if (counter === 0 && sheet) {
        const gone = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== gone);
        sheet = null;
      }
    },
  };
}

export function styleHookSingleton() {
  const sheet = stylesheetSingleton();
  return (styles: string, isDynamic?: boolean) => {
    useEffect(() => {
      sheet.add(styles);
      return () => sheet.remove();
    }, [styles && isDynamic]);
  };
}

export function styleSingleton() {
  const useStyle = styleHookSingleton();
  const Sheet = ({ styles, dynamic }: { styles: string; dynamic?: boolean }) => {
    useStyle(styles, dynamic);
    return null;
  };
  return Sheet;
}
