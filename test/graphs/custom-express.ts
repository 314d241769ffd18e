// Shape: an Express Router as the manifest's http.app: a route of its own, middleware that adds a
// header to every answer and changes a run's parsed body before the service reads it, and a
// receiver for webhooks.
import express, { Router } from "express";

const hooks: unknown[] = [];

export const router = Router();
router.use((_req, res, next) => {
  res.setHeader("x-custom-app", "express");
  next();
});
router.get("/custom/hello", (_req, res) => void res.json({ hello: "from express", owner: res.locals.owner?.userId ?? null }));
router.post("/threads/:id/runs/wait", express.json(), (req, _res, next) => {
  req.body.config = { ...req.body.config, configurable: { ...req.body.config?.configurable, from_custom_app: "express" } };
  next();
});
router.post("/custom/hooks", express.json(), (req, res) => {
  hooks.push(req.body);
  res.json({ received: true });
});
router.get("/custom/hooks", (_req, res) => void res.json(hooks));
