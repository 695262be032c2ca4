import { useEffect } from "preact/hooks";

/** Sets the document title for the page ("Home · Xtream"). */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Xtream` : "Xtream";
  }, [title]);
}
