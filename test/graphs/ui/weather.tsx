// Generative UI components of a graph (the manifest's `ui`): a stylesheet, and a component with a
// hook, which works only with the page's own React.
import "./weather.css";
import { useState } from "react";

function Weather(props: { city: string }) {
  const [unit] = useState("°C");
  return <p className="weather">Weather for {props.city}, in {unit}</p>;
}

export default { weather: Weather };
