/** Injection tokens for the ports (interfaces have no runtime class to inject by). */
export const APP_CONFIG = Symbol('AppConfig');
export const EVENT_STORE = Symbol('EventStore');
export const READ_STORE = Symbol('ReadStore');
export const PROJECTOR = Symbol('Projector');
