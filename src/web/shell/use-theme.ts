import { useEffect, useState } from "react";

export type Theme = "light" | "dark";

function initial(): Theme {
  const saved = localStorage.getItem("threadloom.theme");
  if (saved === "light" || saved === "dark") return saved;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Light or dark: the system's until the user picks one; set on <html data-theme>. */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState(initial);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const toggle = () =>
    setTheme((t) => {
      const next = t === "dark" ? "light" : "dark";
      localStorage.setItem("threadloom.theme", next);
      return next;
    });
  return [theme, toggle];
}
